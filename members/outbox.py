"""The email outbox: every email is a row first, delivered by a worker at most once."""

import logging
import smtplib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.tasks import task_publish

from .models import OutboundEmail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claimed email still "sending" after this long belongs to a worker that died.
STALE_CLAIM = timedelta(minutes=15)


def email_queue(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    headers: dict[str, str] | None = None,
    kind: str = "account",
    dedupe_key: str | None = None,
    attachments: list[dict[str, str]] | None = None,
    secret: bool = False,
) -> OutboundEmail | None:
    """Record an email in the outbox and hand it to a worker once the transaction commits.

    With a `dedupe_key` that was used before, nothing is recorded and None is returned:
    the same logical email is never queued twice. A `secret` email (a password-reset
    or verification link, a sign-in code, an invitation token) loses its body as soon
    as it is sent, so the outbox never keeps a working secret for anyone to read.
    """
    try:
        with transaction.atomic():
            email = OutboundEmail.objects.create(
                to=to,
                subject=subject[:255],
                body_text=text,
                body_html=html,
                from_email=settings.DEFAULT_FROM_EMAIL,
                headers=headers or {},
                kind=kind,
                dedupe_key=dedupe_key,
                attachments=attachments or [],
                body_secret=secret,
            )
    except IntegrityError:
        if dedupe_key and OutboundEmail.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    transaction.on_commit(lambda: email_enqueue(email_id=email.pk), robust=True)
    return email


def email_enqueue(*, email_id: int) -> bool:
    """Publish the delivery task; when the broker is away the sweep sends it later."""
    try:
        task_publish("members.deliver_email", email_id)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the row pending
        log.warning("Could not publish email %s, the outbox sweep will: %s", email_id, exc)
        return False
    return True


def emails_enqueue(*, email_ids: list[int]) -> bool:
    """Publish one delivery task for many emails, sent over a few SMTP connections; when
    the broker is away the sweep sends them later, one by one."""
    if not email_ids:
        return True
    try:
        task_publish("members.deliver_emails", email_ids)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the rows pending
        log.warning("Could not publish %s emails, the outbox sweep will: %s", len(email_ids), exc)
        return False
    return True


def _is_temporary(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPException):
        # SMTPException subclasses OSError; the rest (no STARTTLS or AUTH support, ...)
        # are configuration problems that retrying does not cure.
        return False
    return isinstance(exc, ConnectionError | TimeoutError | OSError)


def email_deliver(*, email_id: int) -> str:
    """Send one outbox email at most once.

    The row is claimed with a conditional UPDATE, so two workers (or a redelivered
    task) cannot both send it. Temporary SMTP errors put it back with a backoff;
    permanent ones mark it failed. Safe to run twice. Returns the resulting status.
    """
    return emails_deliver(email_ids=[email_id]).get(email_id, "skipped")


def _message(email: OutboundEmail, connection: object) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=[email.to],
        headers=email.headers,
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message


def emails_deliver(*, email_ids: list[int]) -> dict[int, str]:
    """Send many outbox emails, each at most once, over a few SMTP connections at once.

    The rows are claimed together with one conditional UPDATE (pending and due only),
    so two workers or a redelivered task cannot both send one; what another worker
    claimed is skipped. Each message's outcome is its own: a temporary SMTP error puts
    that email back with a backoff and its connection is opened again for the next
    one, a permanent error marks it failed. The sent ones are recorded together at
    the end; a worker that dies before that leaves them "sending", which the sweep
    marks failed rather than sending twice. Safe to run twice.
    Returns each claimed email's resulting status.
    """
    now = timezone.now()
    OutboundEmail.objects.filter(
        pk__in=email_ids, status=OutboundEmail.Status.PENDING, available_at__lte=now
    ).update(status=OutboundEmail.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    # Ours: claimed by this very UPDATE (its time stamp), not by another worker's.
    emails = list(
        OutboundEmail.objects.filter(
            pk__in=email_ids, status=OutboundEmail.Status.SENDING, claimed_at=now
        ).order_by("pk")
    )
    outcomes: dict[int, str] = {}
    if not emails:
        return outcomes
    sent: list[int] = []
    try:
        for sent_here, failed_here in _send_over_connections(emails):
            sent += sent_here
            for email, exc in failed_here:
                outcomes[email.pk] = _record_failure(email, exc)
        outcomes.update(dict.fromkeys(sent, "sent"))
    finally:
        if sent:
            sent_at = timezone.now()
            done = OutboundEmail.objects.filter(pk__in=sent)
            done.filter(body_secret=False).update(
                status=OutboundEmail.Status.SENT, sent_at=sent_at, last_error=""
            )
            # Account and invitation emails keep no working secret once sent.
            done.filter(body_secret=True).update(
                status=OutboundEmail.Status.SENT,
                sent_at=sent_at,
                last_error="",
                **PURGED_BODY,
                body_purged_at=sent_at,
            )
    return outcomes


SendResult = tuple[list[int], list[tuple[OutboundEmail, Exception]]]


def _send_over_one_connection(emails: list[OutboundEmail]) -> SendResult:
    """Send `emails` in order over one SMTP connection; no database work, so it may run
    in a thread. A failed message closes the connection and the next one reopens it."""
    sent: list[int] = []
    failed: list[tuple[OutboundEmail, Exception]] = []
    connection = get_connection()
    try:
        for email in emails:
            try:
                connection.open()
                connection.send_messages([_message(email, connection)])
            except Exception as exc:  # noqa: BLE001 - each outcome is recorded by the caller
                failed.append((email, exc))
                connection.close()
                continue
            sent.append(email.pk)
    finally:
        connection.close()
    return sent, failed


def _send_over_connections(emails: list[OutboundEmail]) -> list[SendResult]:
    """Spread the emails over up to EMAIL_DELIVERY_CONNECTIONS connections at once: a
    worker waits on the mail server's replies to each command, and while one
    connection waits another one's message is built. Each email goes over exactly one
    connection; the database stays in the calling thread."""
    count = max(1, min(settings.EMAIL_DELIVERY_CONNECTIONS, len(emails)))
    if count == 1:
        return [_send_over_one_connection(emails)]
    shares = [emails[n::count] for n in range(count)]
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="smtp") as pool:
        return list(pool.map(_send_over_one_connection, shares))


def _record_failure(email: OutboundEmail, exc: Exception) -> str:
    temporary = _is_temporary(exc)
    retry = temporary and email.attempts < MAX_ATTEMPTS
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.PENDING if retry else OutboundEmail.Status.FAILED,
        available_at=timezone.now() + timedelta(minutes=2**email.attempts),
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
    log.warning("Email %s not sent (%s): %s", email.pk, "retry" if retry else "failed", exc)
    return "retry" if retry else "failed"


PURGED_BODY = {"body_text": "", "body_html": "", "attachments": []}


def email_bodies_purge(*, now: datetime | None = None) -> int:
    """Remove the bodies of emails sent (or given up on) more than OUTBOX_RETENTION_DAYS
    ago; subject, address, status and dates stay for the record.

    One conditional UPDATE: safe to run twice or concurrently. Returns how many
    bodies were removed.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    done = OutboundEmail.objects.filter(body_purged_at__isnull=True)
    return done.filter(
        Q(status=OutboundEmail.Status.SENT, sent_at__lt=cutoff)
        | Q(status=OutboundEmail.Status.FAILED, created_at__lt=cutoff)
    ).update(**PURGED_BODY, body_purged_at=now)


def outbox_sweep(*, limit: int = 500) -> int:
    """Re-publish due emails the broker never delivered; fail claims of dead workers.

    A claim that went stale is marked failed rather than retried: its outcome is
    unknown, and sending twice is worse than asking an admin to resend.
    Returns how many emails were published.
    """
    now = timezone.now()
    OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(
        status=OutboundEmail.Status.FAILED,
        last_error="Delivery outcome unknown: the worker stopped while sending.",
    )
    due = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.PENDING, available_at__lte=now
    ).order_by("available_at")
    published = 0
    for email_id in due.values_list("pk", flat=True)[:limit]:
        if not email_enqueue(email_id=email_id):
            break
        published += 1
    return published


def email_resend(*, email_ids: list[int]) -> int:
    """Put failed emails back in the queue (admin action); one whose body was removed
    has nothing left to send and stays failed. Returns how many."""
    count = OutboundEmail.objects.filter(
        pk__in=email_ids, status=OutboundEmail.Status.FAILED, body_purged_at__isnull=True
    ).update(status=OutboundEmail.Status.PENDING, available_at=timezone.now(), attempts=0)
    for email_id in email_ids:
        transaction.on_commit(lambda pk=email_id: email_enqueue(email_id=pk), robust=True)
    return count


def email_send_now(*, email_ids: list[int]) -> int:
    """Publish pending emails at once, waiting backoff or not (admin action).

    Failed and sent ones are left alone; delivery still claims each row, so an email
    published twice goes out once. Returns how many were published.
    """
    pending = OutboundEmail.objects.filter(pk__in=email_ids, status=OutboundEmail.Status.PENDING)
    due = list(pending.values_list("pk", flat=True))
    pending.update(available_at=timezone.now())
    for email_id in due:
        transaction.on_commit(lambda pk=email_id: email_enqueue(email_id=pk), robust=True)
    return len(due)
