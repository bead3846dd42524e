"""Immediate emails: what is due, claimed once, checked again, folded per post.

A notification on the IMMEDIATE channel waits NOTIFICATION_EMAIL_DELAY; then the
periodic task (`members.send_notification_emails`) claims it, checks it against the
recipient's permissions and channel choice at that moment, and queues one email per
post in the outbox, in the same transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone, translation

from config.links import absolute_reverse, absolute_url

from ..emails import email_send
from ..models import Channel, Notification, User
from .preferences import channels_of
from .selectors import with_visibility
from .wording import excerpt, headline, short_headline, subject

Status = Notification.EmailStatus


@dataclass
class SendResult:
    emails: int = 0
    sent: int = 0
    skipped: int = 0


def _groups(items: list[Notification]) -> list[list[Notification]]:
    """Everything about one post goes in one email; everything else one by one."""
    by_post: dict[int, list[Notification]] = {}
    singles = []
    for n in items:
        if n.post_id:
            by_post.setdefault(n.post_id, []).append(n)
        else:
            singles.append([n])
    return [*by_post.values(), *singles]


def _dedupe_key(ids: list[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()
    return f"notifications:{digest}"


def _send_group(user: User, items: list[Notification]) -> None:
    items = sorted(items, key=lambda n: (n.created_at, n.pk))
    folded = len(items) > 1
    entries = [
        {
            "headline": short_headline(n) if folded else headline(n),
            "excerpt": excerpt(n),
            "url": absolute_url(n.url),
        }
        for n in items
    ]
    email_send(
        "notifications",
        to=user.email,
        kind="notification",
        dedupe_key=_dedupe_key([n.pk for n in items]),
        context={
            "user": user,
            "subject": subject(items),
            "entries": entries,
            "url": entries[-1]["url"],
            "post": items[0].post,
            "folded": folded,
            "settings_url": absolute_reverse("members:notification_settings"),
        },
    )


@transaction.atomic
def send_notification_emails_to(user_id: int, *, now: datetime | None = None) -> SendResult:
    """Email one member what is due for them. Safe to run twice and concurrently.

    Read notifications are skipped. The rest are claimed with a conditional UPDATE on
    rows locked for this run (SKIP LOCKED: a concurrent run leaves them alone), then
    checked against the member's permissions and channel choices now, folded per
    post and queued in the outbox in this same transaction.
    """
    now = now or timezone.now()
    due = Notification.objects.filter(
        recipient_id=user_id, email_status=Status.PENDING, email_due_at__lte=now
    )
    result = SendResult()
    result.skipped += due.filter(read_at__isnull=False).update(email_status=Status.SKIPPED)
    ids = list(
        due.filter(read_at__isnull=True)
        .order_by()
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
    if not ids:
        return result
    claimed = Notification.objects.filter(pk__in=ids, email_status=Status.PENDING)
    if claimed.update(email_status=Status.SENT, emailed_at=now) != len(ids):
        raise RuntimeError("Locked notifications changed under the lock.")  # pragma: no cover
    user = User.objects.get(pk=user_id)
    items = list(
        with_visibility(Notification.objects.filter(pk__in=ids), user).select_related(
            "actor", "post__community", "community", "comment"
        )
    )
    # The member may have changed their mind since: their channel now decides.
    channels = channels_of(user)
    keep, skip, to_digest = [], [], []
    for n in items:
        channel = channels[n.kind] if user.is_active else Channel.OFF
        if not n.can_see or channel == Channel.OFF:
            skip.append(n.pk)
        elif channel == Channel.DIGEST:
            to_digest.append(n.pk)
        else:
            keep.append(n)
    if skip:
        Notification.objects.filter(pk__in=skip).update(
            email_status=Status.SKIPPED, emailed_at=None
        )
    if to_digest:
        Notification.objects.filter(pk__in=to_digest).update(
            email_status=Status.DIGEST, emailed_at=None
        )
    with translation.override(user.language):
        for group in _groups(keep):
            _send_group(user, group)
            result.emails += 1
    result.sent += len(keep)
    result.skipped += len(skip)
    return result


def send_notification_emails(*, now: datetime | None = None, limit: int = 1000) -> SendResult:
    """Email every member whose notifications are due (at most `limit` members per run;
    the next run takes the rest). Safe to run twice and concurrently."""
    now = now or timezone.now()
    recipient_ids = list(
        Notification.objects.filter(email_status=Status.PENDING, email_due_at__lte=now)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()[:limit]
    )
    total = SendResult()
    for user_id in recipient_ids:
        result = send_notification_emails_to(user_id, now=now)
        total.emails += result.emails
        total.sent += result.sent
        total.skipped += result.skipped
    return total
