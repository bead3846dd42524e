"""Sending digests: one claim per member and period, then render and queue.

Each batch claims a member's `DigestDelivery(user, period)` row before it renders
anything, so a digest goes out at most once per period however often a batch runs;
the email's dedupe key `digest:<user>:<period>` makes the outbox agree even when a
crashed worker's claim is finished by another one. Content is read once per community
per batch (`content.CommunityContentCache`) and chosen per member at sending time
(`selection.digest_for`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from config.tasks import task_publish_on_commit

from ..models import DigestDelivery, Notification, OutboundEmail, User
from ..outbox import email_queue
from .content import CommunityContentCache
from .rendering import render_digest
from .schedule import batch_size, batched, claim_timeout, member_since, previous_sent, wants
from .selection import Digest, digest_for
from .unsubscribe import unsubscribe_headers

log = logging.getLogger(__name__)

# Errors worth another try of the whole batch: the database went away for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def _claim(
    user_id: int, period: str, since: datetime, now: datetime, *, retry_failed: bool
) -> DigestDelivery | None:
    """Own `user_id`'s row for `period`, or None when someone else has or had it.

    A new row is ours. An existing one is ours only when its claim went stale (its
    worker died) or, when an admin asked for it, when it failed.
    """
    delivery, created = DigestDelivery.objects.get_or_create(
        user_id=user_id, period=period, defaults={"since": since, "claimed_at": now}
    )
    if created:
        return delivery
    stale_before = timezone.now() - claim_timeout()
    takeover = Q(status=DigestDelivery.Status.CLAIMED, claimed_at__lt=stale_before)
    if retry_failed:
        takeover |= Q(status=DigestDelivery.Status.FAILED)
    taken = (
        DigestDelivery.objects.filter(takeover, pk=delivery.pk)
        .filter(claimed_at=delivery.claimed_at)
        .update(status=DigestDelivery.Status.CLAIMED, claimed_at=now, error="")
    )
    if not taken:
        return None
    delivery.status, delivery.claimed_at = DigestDelivery.Status.CLAIMED, now
    return delivery


def _finish(delivery: DigestDelivery, **fields: object) -> bool:
    """Record the outcome if the claim is still ours (another worker may have taken it)."""
    return bool(
        DigestDelivery.objects.filter(
            pk=delivery.pk, status=DigestDelivery.Status.CLAIMED, claimed_at=delivery.claimed_at
        ).update(finished_at=timezone.now(), **fields)
    )


def _deliver(user: User, delivery: DigestDelivery, digest: Digest, period: str) -> str:
    if digest.is_empty:
        _finish(delivery, status=DigestDelivery.Status.EMPTY, item_count=0)
        return "empty"
    email = render_digest(user, digest, period)
    dedupe_key = f"digest:{user.pk}:{period}"
    with transaction.atomic():
        queued = email_queue(
            to=user.email,
            subject=email.subject,
            text=email.text,
            html=email.html,
            headers=unsubscribe_headers(user.pk),
            kind="digest",
            dedupe_key=dedupe_key,
        )
        # None: an earlier attempt queued it before its worker died; link that one.
        queued = queued or OutboundEmail.objects.filter(dedupe_key=dedupe_key).first()
        finished = _finish(
            delivery,
            status=DigestDelivery.Status.SENT,
            item_count=digest.item_count,
            email=queued,
            error="",
        )
        if not finished:
            # Taken over meanwhile: the other worker records it (the email key is shared).
            transaction.set_rollback(True)
            return "skipped"
        Notification.objects.filter(pk__in=digest.notification_ids).update(
            emailed_at=delivery.claimed_at
        )
    return "sent"


def send_batch(
    *,
    user_ids: list[int],
    period: str,
    since: datetime,
    now: datetime | None = None,
    retry_failed: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Counter:
    """Send `period`'s digest to each of `user_ids` at most once. Safe to run twice.

    Per member: claim the row, build the digest from content read once per community
    for the whole batch, render, queue the email and mark the row in one transaction.
    A member whose claim exists is skipped; a stale claim (its worker died) is taken
    over and finished. Errors in one member's digest mark it failed and the batch goes
    on; database outages propagate so the task is retried.
    Returns counts of sent, empty, skipped and failed.
    """
    now = now or timezone.now()
    counts = Counter(sent=0, empty=0, skipped=0, failed=0)
    previous = previous_sent(user_ids, period)
    sinces = {pk: member_since(previous.get(pk), since, now) for pk in user_ids}
    cache = CommunityContentCache(min(sinces.values(), default=since), now)
    users = User.objects.filter(pk__in=user_ids).order_by("pk")
    seen = set()
    for user in users.iterator(chunk_size=200):
        seen.add(user.pk)
        outcome = _send_one(user, period, sinces[user.pk], now, cache, retry_failed)
        counts[outcome] += 1
        if progress:
            progress(outcome)
    for _missing in set(user_ids) - seen:
        counts["skipped"] += 1
        if progress:
            progress("skipped")
    return counts


def _send_one(
    user: User,
    period: str,
    since: datetime,
    now: datetime,
    cache: CommunityContentCache,
    retry_failed: bool,
) -> str:
    if not wants(user, period):
        return "skipped"
    delivery = _claim(user.pk, period, since, now, retry_failed=retry_failed)
    if delivery is None:
        return "skipped"
    try:
        digest = digest_for(user, cache, delivery.since)
        return _deliver(user, delivery, digest, period)
    except (SoftTimeLimitExceeded, *TRANSIENT_ERRORS):
        raise
    except Exception as exc:
        log.exception("Digest %s for member %s failed", period, user.pk)
        _finish(delivery, status=DigestDelivery.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
        return "failed"


# --- Admin ----------------------------------------------------------------------------------


def deliveries_retry(*, delivery_ids: list[int]) -> int:
    """Send failed digests again (admin action); each batch re-claims its failed rows.
    Safe to run twice: a row that is no longer failed is not claimed again.

        Returns how many deliveries were queued.
    """
    failed = DigestDelivery.objects.filter(pk__in=delivery_ids, status=DigestDelivery.Status.FAILED)
    by_period: dict[str, list[tuple[int, datetime]]] = {}
    for user_id, period, since in failed.values_list("user_id", "period", "since"):
        by_period.setdefault(period, []).append((user_id, since))
    count = 0
    for period, rows in by_period.items():
        for chunk in batched(rows, batch_size()):
            since = min(s for _u, s in chunk)
            task_publish_on_commit(
                "members.send_digest_batch",
                [u for u, _s in chunk],
                period,
                since.isoformat(),
                retry_failed=True,
            )
            count += len(chunk)
    return count
