import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from members.models import OutboundEmail, User
from tests.factories import KNOWN_PASSWORD

NEW_PASSWORD = "a-fresh-and-long-passphrase"


def link_in(message, path_fragment: str) -> str:
    """The first link in the email's text part whose path contains `path_fragment`."""
    urls = re.findall(r"https?://\S+", message.body)
    matching = [url for url in urls if path_fragment in url]
    assert matching, f"no link with {path_fragment!r} in:\n{message.body}"
    return matching[0]


def html_part(message) -> str:
    htmls = [body for body, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(htmls) == 1
    return htmls[0]


def sign_up(client, capture, **overrides):
    data = {
        "display_name": "Grace Hopper",
        "email": "grace@practica.test",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }
    with capture(execute=True):
        return client.post(reverse("account_signup"), data)


def confirm(client, message):
    url = link_in(message, "/accounts/confirm-email/")
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, follow=True)


@pytest.mark.django_db
def test_sign_up_sends_a_verification_email_with_text_and_html_parts(
    client, django_capture_on_commit_callbacks
):
    response = sign_up(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["grace@practica.test"]
    assert message.subject.startswith("[Practica] ")
    assert "/accounts/confirm-email/" in message.body
    # Greeted by the site's name, not by the host name the request came in on.
    assert "Hello from Practica!" in message.body
    assert "testserver!" not in message.body
    html = html_part(message)
    assert "/accounts/confirm-email/" in html
    assert "<html" in html
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENT


@pytest.mark.django_db
def test_confirming_the_email_signs_the_new_member_in(client, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)

    response = confirm(client, mail.outbox[0])

    member = User.objects.get(email="grace@practica.test")
    assert EmailAddress.objects.get(user=member).verified
    assert response.wsgi_request.user == member
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Welcome back, Grace Hopper" in response.content.decode()


@pytest.mark.django_db
def test_sign_up_stores_the_display_name(client, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks, display_name="  Katherine Johnson ")

    member = User.objects.get(email="grace@practica.test")
    assert member.display_name == "Katherine Johnson"
    assert str(member) == "Katherine Johnson"


@pytest.mark.django_db
def test_sign_up_on_german_pages_keeps_german_for_the_emails(
    client, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "de"
    sign_up(client, django_capture_on_commit_callbacks)

    member = User.objects.get(email="grace@practica.test")
    assert member.language == "de"
    assert "E-Mail" in mail.outbox[-1].subject + mail.outbox[-1].body


@pytest.mark.django_db
def test_sign_in_is_refused_until_the_email_is_verified(client, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)
    client.logout()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_login"),
            {"login": "grace@practica.test", "password": NEW_PASSWORD},
        )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    home = client.get(reverse("home"))
    assert not home.wsgi_request.user.is_authenticated
    # The link sent a moment ago is still the way in: no second email within the cooldown.
    assert OutboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_sign_up_form_keeps_what_was_typed_when_it_has_errors(
    client, django_capture_on_commit_callbacks
):
    response = sign_up(
        client,
        django_capture_on_commit_callbacks,
        display_name="Grace Hopper",
        email="grace@practica.test",
        password2="something-else-entirely",
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Grace Hopper"' in page
    assert 'value="grace@practica.test"' in page
    assert "field--error" in page
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_sign_up_requires_a_display_name(client, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks, display_name="")

    assert response.status_code == 200
    assert 'value="grace@practica.test"' in response.content.decode()
    assert not User.objects.exists()


def test_a_verified_member_signs_in_with_email_and_password(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email.upper(), "password": KNOWN_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_is_refused_and_keeps_the_email_typed(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "not-the-password"}
    )

    assert response.status_code == 200
    assert f'value="{user.email}"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_email_arrives_and_sets_a_new_password(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    html_part(message)

    # The key in the link is swapped for a session value and the browser redirected.
    form_page = client.get(link_in(message, "/accounts/password/reset/key/"), follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    client.logout()
    login = client.post(reverse("account_login"), {"login": user.email, "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_for_an_unknown_address_reveals_nothing(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@practica.test"})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")


def test_changing_the_email_address_requires_verifying_the_new_one(
    client, user, django_capture_on_commit_callbacks
):
    old_email = user.email
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": "new-address@practica.test"}
        )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == old_email
    new_address = EmailAddress.objects.get(user=user, email="new-address@practica.test")
    assert not new_address.verified
    verification = next(m for m in mail.outbox if m.to == ["new-address@practica.test"])

    confirm(client, verification)

    user.refresh_from_db()
    assert user.email == "new-address@practica.test"
    assert EmailAddress.objects.get(user=user, email="new-address@practica.test").verified
    assert EmailAddress.objects.get_primary(user).email == "new-address@practica.test"


def test_account_pages_use_the_sites_sentence_case_wording(client, db):
    login = client.get("/accounts/login/").content.decode()
    signup = client.get("/accounts/signup/").content.decode()
    assert "Sign in" in login and "Sign In" not in login
    assert "Sign up" in signup and "Sign Up" not in signup
