"""The outbox admin shows email bodies (reset links, invitation tokens) to superusers only."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.urls import reverse

from members.models import OutboundEmail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "https://practica.test/accounts/password/reset/key/zq-secret-key/"


def test_staff_with_view_permission_do_not_see_email_bodies(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_outboundemail"))
    TOTP.activate(staff, generate_totp_secret())
    email = OutboundEmail.objects.create(
        to="someone@practica.test",
        subject="Reset your password",
        body_text=f"Open {SECRET}",
        body_html=f"<a href='{SECRET}'>Reset</a>",
        kind="account",
    )
    client.force_login(staff)

    page = client.get(reverse("admin:members_outboundemail_change", args=[email.pk]))

    assert page.status_code == 200
    assert "zq-secret-key" not in page.content.decode()
