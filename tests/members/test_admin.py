import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.urls import reverse

from tests.factories import KNOWN_PASSWORD, UserFactory


@pytest.fixture
def totp_secret(staff_user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(staff_user, secret)
    return secret


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_staff_without_two_factor_authentication_find_the_admin_closed(client, staff_user):
    response = client.post(
        reverse("account_login"), {"login": staff_user.email, "password": KNOWN_PASSWORD}
    )
    assert response.status_code == 302

    response = client.get(reverse("admin:index"))

    # Not into setting one up: to the ordinary two-factor settings page, with a reason.
    assert response.status_code == 302
    assert response.url == reverse("mfa_index")
    settings_page = client.get(response.url)
    assert "Your staff account has no second factor" in settings_page.content.decode()
    assert not Authenticator.objects.filter(user=staff_user).exists()
    assert client.get(reverse("admin:index")).status_code == 302

    # Setting one up is the owner's own step, and allauth asks for the password again.
    setup_url = reverse("mfa_activate_totp")
    response = client.get(setup_url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    response = client.post(response.url, {"password": KNOWN_PASSWORD})
    assert response.status_code == 302
    assert response.url == setup_url

    setup = client.get(setup_url)
    assert setup.status_code == 200
    assert 'name="code"' in setup.content.decode()
    secret = client.session["mfa.totp.secret"]
    response = client.post(setup_url, {"code": current_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff_user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_without_two_factor_authentication_cannot_open_any_admin_page(client, staff_user):
    client.force_login(staff_user)

    response = client.get(reverse("admin:members_user_changelist"))

    assert response.status_code == 302
    assert response.url == reverse("mfa_index")


def test_staff_with_an_authenticator_reaches_the_admin_index(client, staff_user, totp_secret):
    client.force_login(staff_user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Practica administration" in response.content.decode()


def test_staff_with_an_authenticator_can_search_members(client, staff_user, totp_secret):
    UserFactory(display_name="Zora Neale", email="zora@practica.test")
    UserFactory(display_name="Other Person", email="other@practica.test")
    client.force_login(staff_user)

    response = client.get(reverse("admin:members_user_changelist"), {"q": "zora"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "zora@practica.test" in page
    assert "other@practica.test" not in page


def test_staff_sign_in_asks_for_the_code_before_the_admin(client, staff_user, totp_secret):
    response = client.post(
        reverse("account_login"),
        {"login": staff_user.email, "password": KNOWN_PASSWORD, "next": reverse("admin:index")},
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(totp_secret)})

    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(response.url).status_code == 200


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client, db):
    response = client.get(reverse("admin:index"), follow=True)

    final_url, status = response.redirect_chain[-1]
    assert status == 302
    assert final_url.startswith(reverse("account_login"))
    assert "next=" in final_url
    assert response.status_code == 200


def test_a_member_who_is_not_staff_is_refused(client, user):
    client.force_login(user)

    response = client.get(reverse("admin:index"), follow=True)

    assert response.status_code == 403
    assert not Authenticator.objects.filter(user=user).exists()


def test_a_member_who_is_not_staff_cannot_open_the_member_list(client, user):
    client.force_login(user)

    response = client.get(reverse("admin:members_user_changelist"), follow=True)

    assert response.status_code == 403


def test_staff_without_two_factor_authentication_stay_out_under_a_url_prefix(client, staff_user):
    """Served under a prefix (SCRIPT_NAME), the admin is still behind the second factor."""
    client.force_login(staff_user)

    response = client.get(reverse("admin:members_user_changelist"), SCRIPT_NAME="/practica")

    assert response.status_code == 302
    assert response.url.endswith("/accounts/2fa/")
