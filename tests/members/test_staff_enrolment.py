"""Staff powers go only to accounts that already have a second factor, so nobody claims
a fresh staff account by being the first to set one up; staff keep their factor."""

import time

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import CommandError, call_command
from django.urls import reverse

from members.admin import StaffGrantingUserChangeForm
from members.models import User
from tests.factories import StaffFactory, UserFactory
from tests.staff import login_with_mfa

pytestmark = pytest.mark.django_db


def change_data(user: User, **changes) -> dict:
    data = {
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "time_zone": "UTC",
        "language": user.language,
        "is_active": True,
        "date_joined": user.date_joined,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def reauthenticated(client) -> None:
    """As if the password had just been entered again (allauth asks before changes)."""
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY].append(
        {"method": "password", "at": time.time(), "reauthenticated": True}
    )
    session.save()


def with_authenticator(user: User) -> User:
    TOTP.activate(user, generate_totp_secret())
    return user


def test_the_admin_refuses_staff_status_for_an_account_without_a_second_factor():
    person = UserFactory(display_name="Ines Park")

    form = StaffGrantingUserChangeForm(instance=person, data=change_data(person, is_staff=True))

    assert not form.is_valid()
    assert "Ines Park has not set up two-factor authentication" in form.errors["is_staff"][0]
    person.refresh_from_db()
    assert not person.is_staff


def test_the_admin_refuses_superuser_status_for_an_account_without_a_second_factor():
    person = UserFactory()

    form = StaffGrantingUserChangeForm(instance=person, data=change_data(person, is_superuser=True))

    assert not form.is_valid()
    assert "is_superuser" in form.errors


def test_recovery_codes_alone_are_not_a_second_factor_for_staff():
    person = UserFactory()
    RecoveryCodes.activate(person)

    form = StaffGrantingUserChangeForm(instance=person, data=change_data(person, is_staff=True))

    assert "is_staff" in form.errors


def test_an_account_with_an_authenticator_app_can_be_made_staff_in_the_admin(client):
    admin_user = with_authenticator(StaffFactory())
    login_with_mfa(client, admin_user)
    person = with_authenticator(UserFactory())
    url = reverse("admin:members_user_change", args=[person.pk])

    refused_person = UserFactory(display_name="No Factor")
    refused = client.post(
        reverse("admin:members_user_change", args=[refused_person.pk]),
        change_data(refused_person, is_staff="on", bio="Kept as typed"),
    )
    response = client.post(url, change_data(person, is_staff="on"))

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "No Factor has not set up two-factor authentication" in page
    assert "Kept as typed" in page
    refused_person.refresh_from_db()
    assert not refused_person.is_staff
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_staff


def test_make_staff_refuses_an_account_without_a_second_factor():
    person = UserFactory(email="new.staff@practica.test")

    with pytest.raises(CommandError, match="has not set up two-factor authentication"):
        call_command("make_staff", "new.staff@practica.test")

    person.refresh_from_db()
    assert not person.is_staff


def test_make_staff_gives_and_takes_staff_status(capsys):
    person = with_authenticator(UserFactory(email="lead@practica.test"))

    call_command("make_staff", "Lead@Practica.test", "--superuser")
    person.refresh_from_db()
    assert person.is_staff and person.is_superuser
    assert "lead@practica.test is now a superuser." in capsys.readouterr().out

    call_command("make_staff", "lead@practica.test", "--revoke")
    person.refresh_from_db()
    assert not person.is_staff and not person.is_superuser


def test_make_staff_names_an_unknown_address():
    with pytest.raises(CommandError, match="No account with the address nobody@practica.test"):
        call_command("make_staff", "nobody@practica.test")


def test_staff_cannot_remove_their_last_authenticator_app(client):
    staff = with_authenticator(StaffFactory())
    login_with_mfa(client, staff)
    reauthenticated(client)

    response = client.post(reverse("mfa_deactivate_totp"), follow=True)

    assert "Staff accounts keep two-factor authentication." in response.content.decode()
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()


def test_a_member_who_is_not_staff_can_remove_their_authenticator_app(client):
    member = with_authenticator(UserFactory())
    login_with_mfa(client, member)
    reauthenticated(client)

    client.post(reverse("mfa_deactivate_totp"))

    assert not Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists()
