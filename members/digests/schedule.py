"""When digests are due: periods in each member's time zone, who is due, and the
dispatcher that fans out batches of member ids.

The dispatcher (every 15 minutes) finds the members whose morning send hour it is in
their time zone and publishes one `members.send_digest_batch` task per batch of ids;
it claims nothing, the batches do (see `sending`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain, islice

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from communities.models import Community, Membership
from config.tasks import task_publish_on_commit

from ..models import DigestDelivery, Notification, User

CADENCE_WINDOWS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
# A member back after a long pause gets the last four weeks, not everything since.
MAX_LOOKBACK = timedelta(days=28)


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


def wants(user: User | None, period: str) -> bool:
    """Whether `user` still wants `period`'s digest: active, and on that cadence now."""
    return (
        user is not None
        and user.is_active
        and user.digest_cadence in CADENCE_WINDOWS
        and period.startswith(f"{user.digest_cadence}:")
    )


def previous_sent(user_ids: Iterable[int], period: str) -> dict[int, datetime]:
    """When each member's last digest before `period` was claimed, for those who had one."""
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
            "members.send_digest_batch",
            batch.user_ids,
            batch.period,
            batch.since.isoformat(),
            until_iso=now.isoformat(),
        )
        count += 1
    return count
