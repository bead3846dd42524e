"""Sending digests: one claim per member and period, then render and queue.

Each batch claims a member's `DigestDelivery(user, period)` row before it renders
anything, so a digest goes out at most once per period however often a batch runs;
the email's dedupe key `digest:<user>:<period>` makes the outbox agree even when a
crashed worker's claim is finished by another one. Content is read once per community
per run (`content.run_content`) and chosen for the whole batch at sending time
(`selection.digests_for`); claims, emails and outcomes are written a batch at a time.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from config.tasks import task_publish_on_commit

from ..emails import RenderedEmail
from ..models import DigestDelivery, Notification, OutboundEmail, User
from ..outbox import emails_enqueue
from .content import run_content
from .rendering import render_digest
from .schedule import batch_size, batched, claim_timeout, member_since, previous_sent, wants
from .selection import Digest, digests_for
from .unsubscribe import unsubscribe_headers

log = logging.getLogger(__name__)

# Errors worth another try of the whole batch: the database went away for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def _claim_many(
    users: list[User],
    period: str,
    sinces: dict[int, datetime],
    token: str,
    *,
    retry_failed: bool,
) -> dict[int, DigestDelivery]:
    """Own the batch's rows for `period` in three queries; returns ours by user id.

    A new row is ours. An existing one is ours when its claim went stale (its worker
    died), when this same task's earlier attempt holds it (`token`: a retry or a
    redelivery after the worker was killed takes its claims back at once), or, when an
    admin asked for it, when it failed. Others are someone else's and are skipped.
    """
    if not users:
        return {}
    stamp = timezone.now()
    ids = [u.pk for u in users]
    DigestDelivery.objects.bulk_create(
        [
            DigestDelivery(
                user_id=u.pk, period=period, since=sinces[u.pk], claimed_at=stamp, claim_token=token
            )
            for u in users
        ],
        ignore_conflicts=True,
    )
    claimed = Q(status=DigestDelivery.Status.CLAIMED)
    takeover = claimed & (Q(claimed_at__lt=stamp - claim_timeout()) | Q(claim_token=token))
    if retry_failed:
        takeover |= Q(status=DigestDelivery.Status.FAILED)
    DigestDelivery.objects.filter(takeover, user_id__in=ids, period=period).exclude(
        claimed_at=stamp, claim_token=token
    ).update(status=DigestDelivery.Status.CLAIMED, claimed_at=stamp, claim_token=token, error="")
    ours = DigestDelivery.objects.filter(
        claimed, user_id__in=ids, period=period, claimed_at=stamp, claim_token=token
    )
    return {d.user_id: d for d in ours}


def _still_ours(deliveries: list[DigestDelivery]) -> QuerySet[DigestDelivery]:
    """The rows whose claim nobody took over since (all share one stamp and token)."""
    if not deliveries:
        return DigestDelivery.objects.none()
    first = deliveries[0]
    return DigestDelivery.objects.filter(
        pk__in=[d.pk for d in deliveries],
        status=DigestDelivery.Status.CLAIMED,
        claimed_at=first.claimed_at,
        claim_token=first.claim_token,
    )


def _fail(deliveries: list[DigestDelivery], errors: dict[int, str]) -> None:
    rows = list(_still_ours(deliveries))
    for row in rows:
        row.status, row.error, row.finished_at = (
            DigestDelivery.Status.FAILED,
            errors[row.pk],
            timezone.now(),
        )
    DigestDelivery.objects.bulk_update(rows, ["status", "error", "finished_at"])


def _record(
    period: str,
    empty: list[DigestDelivery],
    ready: list[tuple[User, DigestDelivery, Digest, RenderedEmail]],
) -> tuple[int, int, int]:
    """Queue the rendered emails and mark the rows, for the whole batch in one
    transaction: rows taken over meanwhile (locked out first) are left to their new
    owner, who shares the emails' dedupe keys. Returns (sent, empty, skipped)."""
    offered = len(empty) + len(ready)
    with transaction.atomic():
        ours = set(
            _still_ours(empty + [d for _u, d, _g, _e in ready])
            .select_for_update()
            .values_list("pk", flat=True)
        )
        ready = [r for r in ready if r[1].pk in ours]
        empty = [d for d in empty if d.pk in ours]
        keys = {d.pk: f"digest:{u.pk}:{period}" for u, d, _g, _e in ready}
        OutboundEmail.objects.bulk_create(
            [
                OutboundEmail(
                    to=user.email,
                    subject=email.subject[:255],
                    body_text=email.text,
                    body_html=email.html,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    headers=unsubscribe_headers(user.pk),
                    kind="digest",
                    dedupe_key=keys[delivery.pk],
                )
                for user, delivery, _digest, email in ready
            ],
            ignore_conflicts=True,
        )
        # An earlier attempt may have queued some before its worker died: link those.
        queued = dict(
            OutboundEmail.objects.filter(dedupe_key__in=keys.values()).values_list(
                "dedupe_key", "pk"
            )
        )
        finished = timezone.now()
        # One UPDATE per distinct item count, the email linked by its dedupe key through
        # the key's index: bulk_update's CASE per row costs more than the rest together.
        by_count: dict[int, list[int]] = {}
        for _user, delivery, digest, _email in ready:
            by_count.setdefault(digest.item_count, []).append(delivery.pk)
        queued_email = OutboundEmail.objects.filter(
            dedupe_key=Concat(
                Value("digest:"), Cast(OuterRef("user_id"), CharField()), Value(f":{period}")
            )
        ).values("pk")[:1]
        for item_count, pks in by_count.items():
            DigestDelivery.objects.filter(pk__in=pks).update(
                status=DigestDelivery.Status.SENT,
                item_count=item_count,
                email=Subquery(queued_email),
                error="",
                finished_at=finished,
            )
        if empty:
            DigestDelivery.objects.filter(pk__in=[d.pk for d in empty]).update(
                status=DigestDelivery.Status.EMPTY, item_count=0, finished_at=finished
            )
        notification_ids = [n for _u, _d, digest, _e in ready for n in digest.notification_ids]
        if notification_ids:
            stamp = ready[0][1].claimed_at
            Notification.objects.filter(pk__in=notification_ids).update(emailed_at=stamp)
        email_ids = sorted(queued.values())
        transaction.on_commit(lambda: emails_enqueue(email_ids=email_ids), robust=True)
    return len(ready), len(empty), offered - len(ready) - len(empty)


def send_batch(
    *,
    user_ids: list[int],
    period: str,
    since: datetime,
    now: datetime | None = None,
    retry_failed: bool = False,
    claim_token: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Counter:
    """Send `period`'s digest to each of `user_ids` at most once. Safe to run twice.

    For the whole batch at once: claim the rows, decide what each member may read now
    (`selection.digests_for`, content read once per community per run), render each
    email, then queue the emails and mark the rows in one transaction, and hand the
    emails to one delivery task that sends them over a few SMTP connections at once. A member
    whose row someone else holds is skipped; a stale claim (its worker died) is taken
    over and finished, and so, at once, is a claim of an earlier attempt of the same
    task (`claim_token`, the task's id). Errors in one member's digest mark it failed
    and the batch goes on; database outages propagate so the task is retried.
    Returns counts of sent, empty, skipped and failed.
    """
    now = now or timezone.now()
    token = claim_token or uuid.uuid4().hex
    counts = Counter(sent=0, empty=0, skipped=0, failed=0)
    previous = previous_sent(user_ids, period)
    sinces = {pk: member_since(previous.get(pk), since, now) for pk in user_ids}
    cache = run_content(now)
    users = [u for u in User.objects.filter(pk__in=user_ids).order_by("pk") if wants(u, period)]
    claims = _claim_many(users, period, sinces, token, retry_failed=retry_failed)
    users = [u for u in users if u.pk in claims]
    counts["skipped"] += len(user_ids) - len(users)
    errors: dict[int, str] = {}
    try:
        digests = digests_for(users, cache, {u.pk: claims[u.pk].since for u in users})
    except (SoftTimeLimitExceeded, *TRANSIENT_ERRORS):
        raise
    except Exception as exc:
        log.exception("Digest %s for a batch of %s members failed", period, len(users))
        digests = {}
        errors = {claims[u.pk].pk: f"{type(exc).__name__}: {exc}" for u in users}
    empty, ready = [], []
    for user in users:
        delivery = claims[user.pk]
        digest = digests.get(user.pk)
        if digest is None:
            continue
        if digest.is_empty:
            empty.append(delivery)
            continue
        try:
            ready.append(
                (
                    user,
                    delivery,
                    digest,
                    render_digest(user, digest, period, fragments=cache.fragments),
                )
            )
        except (SoftTimeLimitExceeded, *TRANSIENT_ERRORS):
            raise
        except Exception as exc:
            log.exception("Digest %s for member %s failed", period, user.pk)
            errors[delivery.pk] = f"{type(exc).__name__}: {exc}"
    if errors:
        _fail([d for d in claims.values() if d.pk in errors], errors)
        counts["failed"] += len(errors)
    sent, empty_count, skipped = _record(period, empty, ready)
    counts["sent"] += sent
    counts["empty"] += empty_count
    counts["skipped"] += skipped
    if progress:
        for outcome, count in counts.items():
            for _ in range(count):
                progress(outcome)
    return counts


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
