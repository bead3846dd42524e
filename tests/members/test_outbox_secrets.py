"""The outbox keeps no working secret: account and invitation emails lose their body
once sent, and every body goes after OUTBOX_RETENTION_DAYS."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from communities import services
from members import outbox, tasks
from members.models import OutboundEmail
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.staff import login_with_mfa

pytestmark = pytest.mark.django_db


def test_a_password_reset_email_keeps_no_body_once_sent(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})

    [message] = mail.outbox
    assert "/accounts/password/reset/key/" in message.body
    email = OutboundEmail.objects.get(to=user.email)
    assert email.status == OutboundEmail.Status.SENT
    assert email.body_secret
    assert (email.body_text, email.body_html) == ("", "")
    assert email.body_purged_at == email.sent_at
    assert email.subject  # the record of what was sent stays


def test_an_invitation_email_keeps_no_token_once_sent(django_capture_on_commit_callbacks):
    facilitator = UserFactory()
    community = CommunityFactory(created_by=facilitator)
    MembershipFactory(community=community, user=facilitator, role="facilitator")

    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = services.invitations_create(
            community=community, by=facilitator, emails=["new@practica.test"], role="core"
        )

    [message] = mail.outbox
    assert str(invitation.token) in message.body
    email = OutboundEmail.objects.get(to="new@practica.test")
    assert email.status == OutboundEmail.Status.SENT
    assert str(invitation.token) not in email.body_text + email.body_html
    assert email.body_purged_at is not None


def test_an_ordinary_email_keeps_its_body_until_the_retention_period_ends():
    email = outbox.email_queue(to="ada@practica.test", subject="News", text="Hello Ada")

    assert outbox.email_deliver(email_id=email.pk) == "sent"

    email.refresh_from_db()
    assert email.body_text == "Hello Ada"
    assert email.body_purged_at is None


def sent_email(days_ago: float, **fields) -> OutboundEmail:
    when = timezone.now() - timedelta(days=days_ago)
    defaults = {
        "to": "ada@practica.test",
        "subject": "News",
        "body_text": "Hello Ada",
        "body_html": "<p>Hello Ada</p>",
        "attachments": [{"filename": "a.ics", "content": "X", "mimetype": "text/calendar"}],
        "status": OutboundEmail.Status.SENT,
        "created_at": when,
        "sent_at": when,
    }
    return OutboundEmail.objects.create(**{**defaults, **fields})


def test_bodies_older_than_the_retention_period_are_removed_once(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    old = sent_email(31)
    recent = sent_email(29)
    old_failure = sent_email(40, status=OutboundEmail.Status.FAILED, sent_at=None)
    still_pending = sent_email(40, status=OutboundEmail.Status.PENDING, sent_at=None)

    assert tasks.purge_email_bodies() == 2
    assert tasks.purge_email_bodies() == 0

    for email in (old, old_failure):
        email.refresh_from_db()
        assert (email.body_text, email.body_html, email.attachments) == ("", "", [])
        assert email.body_purged_at is not None
        assert email.subject == "News"
    for email in (recent, still_pending):
        email.refresh_from_db()
        assert email.body_text == "Hello Ada"
        assert email.body_purged_at is None


def test_the_retention_period_is_a_setting(settings):
    settings.OUTBOX_RETENTION_DAYS = 7
    email = sent_email(8)

    assert outbox.email_bodies_purge() == 1
    email.refresh_from_db()
    assert email.body_text == ""


def test_the_purge_runs_every_day_from_beat():
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "members.purge_email_bodies"
    )
    assert entry["schedule"].hour == {4}


def test_a_failed_email_whose_body_was_removed_cannot_be_sent_again():
    email = sent_email(40, status=OutboundEmail.Status.FAILED, sent_at=None)
    outbox.email_bodies_purge()

    assert outbox.email_resend(email_ids=[email.pk]) == 0
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED


def test_the_admin_says_when_a_body_was_removed(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(admin_user, generate_totp_secret())
    login_with_mfa(client, admin_user)
    purged = sent_email(40, subject="Old news")
    outbox.email_bodies_purge()
    secret = sent_email(1, subject="Reset", body_secret=True)

    page = client.get(reverse("admin:members_outboundemail_changelist"))

    content = page.content.decode()
    assert page.status_code == 200
    assert "Removed " in content
    assert "Removed once sent" in content
    detail = client.get(reverse("admin:members_outboundemail_change", args=[purged.pk]))
    assert "body removed" in detail.content.decode().lower()
    assert secret.pk
