"""Digest delivery: who is due, one claim per member and period, rendering and queuing.

The dispatcher (every 15 minutes) finds the members whose morning send hour it is in
their time zone and fans out batches of ids. Each batch claims a member's
`DigestDelivery(user, period)` row before it renders anything, so a digest goes out
at most once per period however often a batch runs; the email's dedupe key makes the
outbox agree even when a crashed worker's claim is finished by another one.
Content comes from `practices.digests`, read once per community per batch.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain, islice

from allauth.account.models import EmailAddress
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import signing
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from communities.models import Community, Membership
from config.links import absolute_url
from config.tasks import task_publish_on_commit
from practices.digests import CommunityContentCache, Digest, digest_for

from .emails import RenderedEmail, render_email
from .models import DigestDelivery, Notification, OutboundEmail, User
from .outbox import email_queue

log = logging.getLogger(__name__)

CADENCE_WINDOWS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
# A member back after a long pause gets the last four weeks, not everything since.
MAX_LOOKBACK = timedelta(days=28)
UNSUBSCRIBE_SALT = "digest-unsubscribe"
# Errors worth another try of the whole batch: the database went away for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def send_hour() -> int:
    return getattr(settings, "DIGEST_SEND_HOUR", 7)


def batch_size() -> int:
    return getattr(settings, "DIGEST_BATCH_SIZE", 200)


def claim_timeout() -> timedelta:
    """A claim older than this that is still unfinished belongs to a worker that died."""
    return timedelta(seconds=getattr(settings, "DIGEST_CLAIM_TIMEOUT", 10 * 60))


# --- Periods and who is due -------------------------------------------------------------


def period_key(cadence: str, local_day: date) -> str:
    """`daily:2026-06-01` or `weekly:2026-W23` (ISO week) for a day in the member's zone."""
    if cadence == "daily":
        return f"daily:{local_day:%Y-%m-%d}"
    year, week, _weekday = local_day.isocalendar()
    return f"weekly:{year}-W{week:02d}"


def period_for(user: User, now: datetime, cadence: str | None = None) -> str:
    cadence = cadence or user.digest_cadence
    if cadence not in CADENCE_WINDOWS:
        cadence = "weekly"
    return period_key(cadence, now.astimezone(user.time_zone).date())


def next_send_at(user: User, now: datetime) -> datetime | None:
    """When `user`'s next digest is due (in their time zone), or None when it is off."""
    if user.digest_cadence not in CADENCE_WINDOWS:
        return None
    local = now.astimezone(user.time_zone)
    candidate = local.replace(hour=send_hour(), minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    if user.digest_cadence == "weekly":
        candidate += timedelta(days=(7 - candidate.weekday()) % 7)
    return candidate


@dataclass(frozen=True)
class DueGroup:
    """Members of one cadence whose local day gives the same period."""

    cadence: str
    period: str
    since: datetime  # start of a cadence-length window, for members without a previous digest
    time_zones: tuple[str, ...]

    def members(self) -> QuerySet[User]:
        already = DigestDelivery.objects.filter(user=OuterRef("pk"), period=self.period)
        return _eligible(
            User.objects.filter(digest_cadence=self.cadence, time_zone__in=self.time_zones)
        ).filter(~Exists(already))


def _eligible(users: QuerySet[User]) -> QuerySet[User]:
    """Active members with a verified address and something a digest could be about."""
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    memberships = Membership.objects.active().filter(
        user=OuterRef("pk"),
        digest_opt_out=False,
        community__in=Community.objects.active_for_email(),
    )
    waiting = Notification.objects.filter(
        recipient=OuterRef("pk"),
        email_status=Notification.EmailStatus.DIGEST,
        emailed_at__isnull=True,
    )
    return users.filter(
        Exists(verified), Q(Exists(memberships)) | Q(Exists(waiting)), is_active=True
    )


def due_groups(now: datetime, *, ignore_schedule: bool = False) -> list[DueGroup]:
    """The (cadence, period) groups due at `now`: daily members whose local hour is the
    send hour, weekly ones too when it is Monday for them. `ignore_schedule` takes every
    member with digests on, whatever their clock says; periods still dedupe."""
    zones = (
        User.objects.filter(is_active=True)
        .exclude(digest_cadence="off")
        .order_by()
        .values_list("time_zone", flat=True)
        .distinct()
    )
    groups: dict[tuple[str, str], list[str]] = {}
    for zone in zones:
        local = now.astimezone(zone)
        if not ignore_schedule and local.hour != send_hour():
            continue
        for cadence in CADENCE_WINDOWS:
            if cadence == "weekly" and local.weekday() != 0 and not ignore_schedule:
                continue
            groups.setdefault((cadence, period_key(cadence, local.date())), []).append(str(zone))
    return [
        DueGroup(cadence, period, now - CADENCE_WINDOWS[cadence], tuple(sorted(zones)))
        for (cadence, period), zones in sorted(groups.items())
    ]


def due_members(now: datetime, *, ignore_schedule: bool = False) -> QuerySet[User]:
    """Members who should get a digest at `now` and have none for their period yet."""
    query = Q(pk__in=[])
    for group in due_groups(now, ignore_schedule=ignore_schedule):
        query |= Q(pk__in=group.members().values("pk"))
    return User.objects.filter(query)


# --- Fan-out --------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    user_ids: list[int]
    period: str
    since: datetime


def due_batches(
    now: datetime, *, ignore_schedule: bool = False, size: int | None = None
) -> Iterator[Batch]:
    """Batches of due member ids, read with a server-side cursor so memory stays flat."""
    size = size or batch_size()
    for group in due_groups(now, ignore_schedule=ignore_schedule):
        ids = group.members().order_by("pk").values_list("pk", flat=True)
        for chunk in batched(ids.iterator(chunk_size=2000), size):
            yield Batch(chunk, group.period, group.since)


def stale_batches(now: datetime, *, size: int | None = None) -> Iterator[Batch]:
    """Claims a dead worker left unfinished, as batches that will take them over."""
    size = size or batch_size()
    stale = DigestDelivery.objects.filter(
        status=DigestDelivery.Status.CLAIMED, claimed_at__lt=now - claim_timeout()
    )
    periods = stale.order_by().values("period").annotate(since=Max("since"))
    for row in periods:
        ids = stale.filter(period=row["period"]).order_by("pk").values_list("user_id", flat=True)
        for chunk in batched(ids.iterator(chunk_size=2000), size):
            yield Batch(chunk, row["period"], row["since"])


def dispatch(now: datetime | None = None, *, ignore_schedule: bool = False) -> int:
    """Publish one `send_digest_batch` task per batch of due members; claims nothing.

    Running it twice (two beat instances, a retry) publishes batches twice, and the
    claims in the batches make the second one a no-op. Returns how many batches.
    """
    now = now or timezone.now()
    count = 0
    for batch in chain(due_batches(now, ignore_schedule=ignore_schedule), stale_batches(now)):
        task_publish_on_commit(
            "members.send_digest_batch", batch.user_ids, batch.period, batch.since.isoformat()
        )
        count += 1
    return count


# --- One batch ----------------------------------------------------------------------------


def _previous_sent(user_ids: Iterable[int], period: str) -> dict[int, datetime]:
    rows = (
        DigestDelivery.objects.filter(user_id__in=user_ids, status=DigestDelivery.Status.SENT)
        .exclude(period=period)
        .order_by()
        .values("user_id")
        .annotate(last=Max("claimed_at"))
    )
    return {row["user_id"]: row["last"] for row in rows}


def member_since(previous: datetime | None, fallback: datetime, now: datetime) -> datetime:
    """The previous sent digest's claim time, else a cadence-length window; never
    further back than MAX_LOOKBACK."""
    return max(previous or fallback, now - MAX_LOOKBACK)


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


def _finish(delivery: DigestDelivery, **fields) -> bool:
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


def _wants(user: User | None, period: str) -> bool:
    return (
        user is not None
        and user.is_active
        and user.digest_cadence in CADENCE_WINDOWS
        and period.startswith(f"{user.digest_cadence}:")
    )


def send_batch(
    *,
    user_ids: list[int],
    period: str,
    since: datetime,
    now: datetime | None = None,
    retry_failed: bool = False,
    progress=None,
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
    previous = _previous_sent(user_ids, period)
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


def _send_one(user, period, since, now, cache, retry_failed) -> str:
    if not _wants(user, period):
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


def preview_batch(
    *, user_ids: list[int], period: str, since: datetime, now: datetime | None = None
) -> Iterator[tuple[User, Digest]]:
    """What `send_batch` would send, without claiming or queuing anything."""
    now = now or timezone.now()
    previous = _previous_sent(user_ids, period)
    sinces = {pk: member_since(previous.get(pk), since, now) for pk in user_ids}
    cache = CommunityContentCache(min(sinces.values(), default=since), now)
    for user in User.objects.filter(pk__in=user_ids).order_by("pk").iterator(chunk_size=200):
        if _wants(user, period):
            yield user, digest_for(user, cache, sinces[user.pk])


# --- The signed-in member's next digest -------------------------------------------------


@dataclass
class DigestPreview:
    period: str
    since: datetime
    digest: Digest
    email: RenderedEmail | None
    next_send_at: datetime | None


def preview_for(user: User, now: datetime | None = None, *, framed: bool = False) -> DigestPreview:
    """The next digest `user` would get, with what is there right now: the same code
    path as sending, without a claim or an email. It covers what happened since their
    last digest, even when this period's went out already.

    `framed` renders the HTML for the preview page's frame, whose links open the site.
    """
    now = now or timezone.now()
    next_at = next_send_at(user, now)
    period = period_for(user, next_at or now)
    cadence = period.split(":", 1)[0]
    previous = _previous_sent([user.pk], period).get(user.pk)
    since = member_since(previous, now - CADENCE_WINDOWS[cadence], now)
    digest = digest_for(user, CommunityContentCache(since, now), since)
    email = None if digest.is_empty else render_digest(user, digest, period, framed=framed)
    return DigestPreview(period, since, digest, email, next_at)


# --- Rendering and unsubscribing ----------------------------------------------------------


def _absolute(path: str) -> str:
    return absolute_url(path)


def preferences_url() -> str:
    try:
        path = reverse("members:notification_settings")
    except NoReverseMatch:
        path = "/settings/notifications/"
    return _absolute(path)


def unsubscribe_token(user_id: int, scope: str | int = "all") -> str:
    """A signed token naming a member and what to stop: "all" or a community id."""
    return signing.dumps({"u": user_id, "s": scope}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str | int] | None:
    """(user id, scope) from a token, or None when it was not made by us."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, scope = data.get("u"), data.get("s")
    if not isinstance(user_id, int) or not (scope == "all" or isinstance(scope, int)):
        return None
    return user_id, scope


def unsubscribe_url(user_id: int, scope: str | int = "all") -> str:
    return _absolute(
        reverse("members:digest_unsubscribe", args=[unsubscribe_token(user_id, scope)])
    )


def unsubscribe_headers(user_id: int) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail clients show an unsubscribe button that
    POSTs to the link without the member signing in."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def render_digest(
    user: User, digest: Digest, period: str, *, framed: bool = False
) -> RenderedEmail:
    """The digest email, in the member's language and time zone."""
    cadence = period.split(":", 1)[0]
    names = digest.community_names
    context = {
        "user": user,
        "digest": digest,
        "cadence": cadence,
        "period": period,
        "subject_names": names[:2],
        "more_names": max(0, len(names) - 2),
        "sections": [
            {"section": s, "leave_out_url": unsubscribe_url(user.pk, s.community.id)}
            for s in digest.sections
        ],
        "unsubscribe_url": unsubscribe_url(user.pk),
        "preferences_url": preferences_url(),
        "preview_url": _absolute(reverse("members:digest_preview")),
        "preview": framed,
    }
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(user.time_zone):
        return render_email("digest", context)


@dataclass(frozen=True)
class Unsubscription:
    user: User
    community: Community | None  # None: every digest

    @property
    def done(self) -> bool:
        if self.community is None:
            return self.user.digest_cadence == "off"
        return Membership.objects.filter(
            user=self.user, community=self.community, digest_opt_out=True
        ).exists()


def unsubscription_from_token(token: str) -> Unsubscription | None:
    """What a token would stop, or None for a token we did not sign or whose member or
    community is gone."""
    parsed = read_unsubscribe_token(token)
    if parsed is None:
        return None
    user_id, scope = parsed
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    if scope == "all":
        return Unsubscription(user, None)
    community = Community.objects.filter(pk=scope).first()
    return Unsubscription(user, community) if community else None


@transaction.atomic
def digest_unsubscribe(*, unsubscription: Unsubscription) -> None:
    """Turn the member's digest off, or leave one community out of it. Safe to repeat."""
    if unsubscription.community is None:
        User.objects.filter(pk=unsubscription.user.pk).update(digest_cadence="off")
        unsubscription.user.digest_cadence = "off"
    else:
        Membership.objects.filter(
            user=unsubscription.user, community=unsubscription.community
        ).update(digest_opt_out=True)
    log.info(
        "Member %s unsubscribed from %s",
        unsubscription.user.pk,
        unsubscription.community.pk if unsubscription.community else "all digests",
    )


# --- Admin ----------------------------------------------------------------------------------


def deliveries_retry(*, delivery_ids: list[int]) -> int:
    """Send failed digests again (admin action); each batch re-claims its failed rows.

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
