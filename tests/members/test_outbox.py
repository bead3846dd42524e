import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from members import outbox, tasks
from members.models import OutboundEmail

pytestmark = pytest.mark.django_db


class TemporarilyUnavailableBackend(BaseEmailBackend):
    """An SMTP server that says "try again later"."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPResponseException(451, b"4.3.0 Mailbox temporarily unavailable")


class RejectingBackend(BaseEmailBackend):
    """An SMTP server that refuses the message for good."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPResponseException(550, b"5.1.1 No such user")


def outbox_row(**fields) -> OutboundEmail:
    defaults = {
        "to": "ada@practica.test",
        "subject": "Hello",
        "body_text": "Hello Ada",
        "body_html": "<p>Hello Ada</p>",
        "from_email": "Practica <hello@practica.localhost>",
    }
    return OutboundEmail.objects.create(**{**defaults, **fields})


def test_queued_email_is_sent_after_commit_with_text_and_html(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = outbox.email_queue(
            to="ada@practica.test", subject="Welcome", text="Hello Ada", html="<p>Hello Ada</p>"
        )
        assert mail.outbox == []

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    [message] = mail.outbox
    assert message.to == ["ada@practica.test"]
    assert message.body == "Hello Ada"
    assert message.alternatives[0].content == "<p>Hello Ada</p>"


def test_delivering_the_same_email_twice_sends_it_once():
    email = outbox_row()

    assert outbox.email_deliver(email_id=email.pk) == "sent"
    assert tasks.deliver_email(email.pk) == "skipped"

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 1


def test_delivering_an_email_that_no_longer_exists_is_skipped():
    assert outbox.email_deliver(email_id=987654) == "skipped"


def test_a_temporary_smtp_error_puts_the_email_back_for_a_later_attempt(settings):
    settings.EMAIL_BACKEND = f"{__name__}.TemporarilyUnavailableBackend"
    email = outbox_row()
    before = timezone.now()

    assert outbox.email_deliver(email_id=email.pk) == "retry"

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.PENDING
    assert email.attempts == 1
    assert email.available_at > before
    assert "451" in email.last_error
    # Not due yet: a second delivery right away does nothing.
    assert outbox.email_deliver(email_id=email.pk) == "skipped"
    email.refresh_from_db()
    assert email.attempts == 1


def test_a_temporary_error_backs_off_longer_with_each_attempt(settings):
    settings.EMAIL_BACKEND = f"{__name__}.TemporarilyUnavailableBackend"
    email = outbox_row()
    waits = []
    for _ in range(3):
        OutboundEmail.objects.filter(pk=email.pk).update(available_at=timezone.now())
        started = timezone.now()
        outbox.email_deliver(email_id=email.pk)
        email.refresh_from_db()
        waits.append(email.available_at - started)

    assert email.attempts == 3
    assert waits[0] < waits[1] < waits[2]


def test_a_temporary_error_gives_up_after_the_last_attempt(settings):
    settings.EMAIL_BACKEND = f"{__name__}.TemporarilyUnavailableBackend"
    email = outbox_row(attempts=outbox.MAX_ATTEMPTS - 1)

    assert outbox.email_deliver(email_id=email.pk) == "failed"

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == outbox.MAX_ATTEMPTS


def test_a_permanent_smtp_error_fails_the_email_without_retrying(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RejectingBackend"
    email = outbox_row()

    assert outbox.email_deliver(email_id=email.pk) == "failed"

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == 1
    assert "550" in email.last_error
    OutboundEmail.objects.filter(pk=email.pk).update(available_at=timezone.now())
    assert outbox.email_deliver(email_id=email.pk) == "skipped"
    assert outbox.outbox_sweep() == 0
    email.refresh_from_db()
    assert email.attempts == 1


def test_outbox_sweep_publishes_due_emails_and_leaves_later_ones():
    due = outbox_row(available_at=timezone.now() - timedelta(minutes=5))
    later = outbox_row(available_at=timezone.now() + timedelta(minutes=5))
    sent = outbox_row(status=OutboundEmail.Status.SENT, sent_at=timezone.now())

    # Celery runs eagerly in tests, so publishing is delivering.
    assert tasks.sweep_outbox() == 1

    statuses = dict(OutboundEmail.objects.values_list("pk", "status"))
    assert statuses == {
        due.pk: OutboundEmail.Status.SENT,
        later.pk: OutboundEmail.Status.PENDING,
        sent.pk: OutboundEmail.Status.SENT,
    }
    assert [m.to for m in mail.outbox] == [["ada@practica.test"]]


def test_outbox_sweep_fails_stale_sending_claims_and_keeps_fresh_ones():
    now = timezone.now()
    stale = outbox_row(
        status=OutboundEmail.Status.SENDING,
        attempts=1,
        claimed_at=now - outbox.STALE_CLAIM - timedelta(minutes=1),
    )
    fresh = outbox_row(status=OutboundEmail.Status.SENDING, attempts=1, claimed_at=now)

    outbox.outbox_sweep()

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == OutboundEmail.Status.FAILED
    assert "unknown" in stale.last_error
    assert fresh.status == OutboundEmail.Status.SENDING
    # An unknown outcome is never sent again automatically.
    assert mail.outbox == []


def test_outbox_sweep_leaves_emails_pending_when_the_broker_is_away(monkeypatch):
    email = outbox_row(available_at=timezone.now() - timedelta(minutes=1))

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(tasks.deliver_email, "apply_async", broker_down)

    assert outbox.outbox_sweep() == 0
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.PENDING


def test_a_dedupe_key_prevents_a_second_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.email_queue(
            to="ada@practica.test", subject="Digest", text="Week 1", dedupe_key="digest:ada:w1"
        )
        second = outbox.email_queue(
            to="ada@practica.test", subject="Digest", text="Week 1", dedupe_key="digest:ada:w1"
        )

    assert first is not None
    assert second is None
    assert OutboundEmail.objects.filter(dedupe_key="digest:ada:w1").count() == 1
    assert len(mail.outbox) == 1


def test_resending_failed_emails_queues_them_again(django_capture_on_commit_callbacks):
    failed = outbox_row(status=OutboundEmail.Status.FAILED, attempts=3, last_error="550")
    sent = outbox_row(status=OutboundEmail.Status.SENT)

    with django_capture_on_commit_callbacks(execute=True):
        count = outbox.email_resend(email_ids=[failed.pk, sent.pk])

    assert count == 1
    failed.refresh_from_db()
    assert failed.status == OutboundEmail.Status.SENT
    assert failed.attempts == 1
    assert len(mail.outbox) == 1


class AuthUnsupportedBackend(BaseEmailBackend):
    """A mail server misconfiguration: no SMTP response code, retrying cannot help."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")


class UnreachableBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_a_mail_server_configuration_error_fails_without_retrying(settings):
    settings.EMAIL_BACKEND = f"{__name__}.AuthUnsupportedBackend"
    email = outbox_row()

    assert outbox.email_deliver(email_id=email.pk) == "failed"


def test_an_unreachable_mail_server_is_retried_later(settings):
    settings.EMAIL_BACKEND = f"{__name__}.UnreachableBackend"
    email = outbox_row()

    assert outbox.email_deliver(email_id=email.pk) == "retry"


def test_plain_text_parts_of_emails_are_not_html_escaped(db):
    from communities.models import Community, Invitation
    from members.emails import render_email

    community = Community(name="Ben & Chloé's circle", slug="c", challenge="<b>Tea</b> & talk")
    invitation = Invitation(community=community, email="x@practica.test")
    email = render_email(
        "invitation", {"invitation": invitation, "community": community, "url": "http://x/"}
    )
    assert "Ben & Chloé's circle" in email.subject
    assert "<b>Tea</b> & talk" in email.text
    assert "&lt;b&gt;Tea&lt;/b&gt; &amp; talk" in email.html
