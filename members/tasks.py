"""Celery tasks: ids and plain values in, registered by name, each calling one service."""

from datetime import datetime

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from . import digests, notifications, outbox


@shared_task(name="members.deliver_email")
def deliver_email(email_id: int) -> str:
    """Send one outbox email. Safe to run twice: the row is claimed before sending."""
    return outbox.email_deliver(email_id=email_id)


@shared_task(name="members.deliver_emails")
def deliver_emails(email_ids: list[int]) -> dict[str, int]:
    """Send many outbox emails over a few SMTP connections at once. Safe to run twice: the rows
    are claimed before sending, each at most once."""
    outcomes = outbox.emails_deliver(email_ids=email_ids)
    return {status: list(outcomes.values()).count(status) for status in set(outcomes.values())}


@shared_task(name="members.sweep_outbox")
def sweep_outbox() -> int:
    """Publish outbox emails that are due but were never delivered (broker was down)."""
    return outbox.outbox_sweep()


@shared_task(name="members.purge_email_bodies")
def purge_email_bodies() -> int:
    """Remove the bodies of emails older than OUTBOX_RETENTION_DAYS (beat, daily).
    Safe to run twice: one conditional UPDATE. Returns how many were removed."""
    return outbox.email_bodies_purge()


@shared_task(name="members.send_notification_emails")
def send_notification_emails() -> int:
    """Email the notifications that are due (every minute). Safe to run twice and
    concurrently: each member's due notifications are claimed before the email is
    queued. Returns how many emails were queued."""
    return notifications.send_notification_emails().emails


@shared_task(name="members.dispatch_digests")
def dispatch_digests() -> int:
    """Fan out batches of members whose digest is due now (beat, every 15 minutes).

    Claims nothing: the batches do. Safe to run twice, or on two beats at once.
    """
    return digests.dispatch()


@shared_task(
    bind=True,
    name="members.send_digest_batch",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def send_digest_batch(
    self: Task,
    user_ids: list[int],
    period: str,
    since_iso: str,
    retry_failed: bool = False,
    until_iso: str | None = None,
) -> dict[str, int]:
    """Send `period`'s digest to each member at most once. Safe to run twice: each
    member's row is claimed before rendering; a retry or a redelivery of this task
    (same task id) takes its own claims back at once, and a claim left by another
    worker that died is finished once it is older than DIGEST_CLAIM_TIMEOUT.
    `until_iso` is the run's moment (the dispatcher's), so batches share its content."""
    counts = digests.send_batch(
        user_ids=user_ids,
        period=period,
        since=datetime.fromisoformat(since_iso),
        now=datetime.fromisoformat(until_iso) if until_iso else None,
        retry_failed=retry_failed,
        claim_token=self.request.id,
    )
    return dict(counts)
