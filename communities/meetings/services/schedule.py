"""Scheduling, materialising, editing and cancelling meetings."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community
from config.tasks import task_publish_on_commit

from ...webhooks import events as webhook_events
from ..models import Audience, Meeting, MeetingSeries, Rsvp
from ..permissions import check_can_edit_meeting, check_can_schedule_meeting, membership_of
from ..recurrence import (
    first_start,
    local_starts,
    localise,
    rule_until,
    rule_with_until,
    validate_rule,
)

if TYPE_CHECKING:
    from members.models import User

# How far ahead a series' meetings exist as rows; a daily task keeps it that far.
HORIZON = timedelta(days=365)
EXTEND_WHEN_LESS_THAN = timedelta(days=335)

MEETING_FIELDS = ("title", "agenda", "place", "capacity", "audience", "duration_minutes")


def _validate(*, community: Community, data: dict) -> None:
    errors = {}
    if not str(data.get("title") or "").strip():
        errors["title"] = _("Give the meeting a title.")
    if data.get("audience") == Audience.GUESTS and (
        community.visibility != Community.Visibility.PUBLIC
    ):
        errors["audience"] = _("Only public communities can open meetings to guests.")
    if data.get("capacity") is not None and int(data["capacity"]) < 1:
        errors["capacity"] = _("A capacity is at least one person.")
    duration = int(data.get("duration_minutes") or 0)
    if not 5 <= duration <= 24 * 60:
        errors["duration_minutes"] = _("A meeting lasts between 5 minutes and a day.")
    if errors:
        raise ValidationError(errors)


def _fields(data: dict) -> dict:
    return {
        "title": data["title"].strip(),
        "agenda": data.get("agenda") or "",
        "place": data.get("place") or "",
        "capacity": data.get("capacity"),
        "audience": data.get("audience") or Audience.MEMBERS,
        "duration_minutes": int(data["duration_minutes"]),
    }


def _invite_after_commit(meeting: Meeting) -> None:

    task_publish_on_commit("meetings.send_meeting_invitations", meeting.pk)


@transaction.atomic
def meeting_schedule(
    *,
    community: Community,
    by: User,
    data: dict,
    starts_local: datetime,
    time_zone: str,
    rule: str = "",
    exdates: list[datetime] | tuple = (),
    invite: bool = True,
    now: datetime | None = None,
) -> Meeting:
    """Schedule one meeting, or a series when `rule` (an RRULE) is given.

    `starts_local` is the naive wall time in `time_zone`. A series' meetings are created
    as rows up to HORIZON ahead; the first one is returned. With `invite`, the members
    get an invitation email carrying the calendar file, after commit.
    """
    check_can_schedule_meeting(by, community, membership=membership_of(by, community))
    _validate(community=community, data=data)
    now = now or timezone.now()
    zone = ZoneInfo(str(time_zone))
    starts_at = localise(starts_local, zone)
    if starts_at < now:
        raise ValidationError({"starts_local": _("Choose a start in the future.")})
    fields = _fields(data)
    if not rule:
        meeting = Meeting.objects.create(
            community=community,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=fields["duration_minutes"]),
            time_zone=zone,
            created_by=by,
            **fields,
        )
    else:
        validate_rule(rule)
        first = first_start(rule, starts_local)
        if first is None:
            raise ValidationError({"rule": _("This rule gives no meeting at all.")})
        series = MeetingSeries.objects.create(
            community=community,
            time_zone=zone,
            start_date=first.date(),
            start_time=first.time(),
            rrule=rule,
            exdates=[d.isoformat() for d in exdates],
            created_by=by,
            **fields,
        )
        series_materialise(series=series, until=now + HORIZON)
        meeting = series.meetings.order_by("starts_at").first()
        if meeting is None:
            raise ValidationError({"rule": _("This rule gives no meeting in the coming year.")})
    if invite:
        _invite_after_commit(meeting)
    webhook_events.meeting_scheduled(meeting)
    return meeting


def series_materialise(*, series: MeetingSeries, until: datetime) -> int:
    """Create the series' meeting rows up to `until`. Safe to run twice: a row per slot
    is unique, and the series row is locked while its horizon moves. Returns how many
    rows were created."""
    with transaction.atomic():
        series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
        zone = series.time_zone
        start = series.materialised_until or localise(series.dtstart_local, zone)
        if until <= start:
            return 0
        skipped = {datetime.fromisoformat(iso) for iso in series.exdates}
        rows = []
        for local in local_starts(
            rule=series.rrule,
            dtstart_local=series.dtstart_local,
            zone=zone,
            start=start,
            end=until,
        ):
            if local in skipped:
                continue
            instant = localise(local, zone)
            rows.append(
                Meeting(
                    community_id=series.community_id,
                    series=series,
                    original_start=instant,
                    starts_at=instant,
                    ends_at=instant + timedelta(minutes=series.duration_minutes),
                    time_zone=zone,
                    uid=series.uid,
                    created_by_id=series.created_by_id,
                    **{f: getattr(series, f) for f in MEETING_FIELDS},
                )
            )
        created = Meeting.objects.bulk_create(rows, ignore_conflicts=True)
        MeetingSeries.objects.filter(pk=series.pk).update(materialised_until=until)
    return len(created)


def series_extend_all(*, now: datetime | None = None) -> int:
    """Keep every open series materialised HORIZON ahead (daily). Safe to run twice."""
    now = now or timezone.now()
    created = 0
    due = MeetingSeries.objects.filter(
        community__stage__in=["planning", "launched"],
        materialised_until__lt=now + EXTEND_WHEN_LESS_THAN,
    )
    for series in due.iterator(chunk_size=200):
        until = rule_until(series.rrule)
        if until is not None and localise(until, series.time_zone) < series.materialised_until:
            continue
        created += series_materialise(series=series, until=now + HORIZON)
    return created


def _people_to_tell(
    meetings: list[Meeting], statuses: tuple[str, ...] = ("going", "waiting", "maybe")
) -> QuerySet[Rsvp]:
    return (
        Rsvp.objects.filter(meeting__in=meetings, status__in=statuses)
        .select_related("user", "meeting")
        .order_by("pk")
    )


def _notify_update(meeting: Meeting) -> None:

    task_publish_on_commit("meetings.send_meeting_update", meeting.pk, meeting.sequence)


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by: User,
    data: dict,
    starts_local: datetime,
    scope: str = "this",
) -> Meeting:
    """Edit one meeting ("this") or this and the following meetings of its series.

    "this" detaches the occurrence from later series edits and may move it to any date.
    "following" keeps each occurrence's date and changes the time of day and details
    from this occurrence on; the series is split in two, the earlier part ending before
    this occurrence. RSVPs stay with their rows. People who answered are told, with a
    calendar update carrying the same UID and a higher SEQUENCE.
    """
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("series", "community")
        .get(pk=meeting.pk)
    )
    community = meeting.community
    check_can_edit_meeting(by, meeting, membership=membership_of(by, community))
    if meeting.is_cancelled:
        raise ValidationError(_("A cancelled meeting cannot be changed."))
    _validate(community=community, data=data)
    fields = _fields(data)
    zone = meeting.time_zone
    if scope == "following" and meeting.series_id:
        original_local = timezone.localtime(meeting.original_start, zone)
        if starts_local.date() != original_local.date():
            raise ValidationError(
                {
                    "starts_local": _(
                        "For this and the following meetings you can change the time, not "
                        "the date. Move a single meeting to another day with “Only this "
                        "meeting”."
                    )
                }
            )
        return _update_following(meeting=meeting, fields=fields, start_time=starts_local.time())
    starts_at = localise(starts_local, zone)
    if starts_at < timezone.now() and starts_at != meeting.starts_at:
        raise ValidationError({"starts_local": _("Choose a start in the future.")})
    old_capacity = meeting.capacity
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.starts_at = starts_at
    meeting.ends_at = starts_at + timedelta(minutes=meeting.duration_minutes)
    meeting.is_detached = bool(meeting.series_id)
    meeting.sequence = F("sequence") + 1
    meeting.updated_at = timezone.now()
    meeting.save()
    meeting.refresh_from_db()
    if meeting.capacity is None or (old_capacity is not None and meeting.capacity > old_capacity):
        from .rsvps import waiting_list_promote

        waiting_list_promote(meeting=meeting)
    _notify_update(meeting)
    return meeting


def _update_following(*, meeting: Meeting, fields: dict, start_time: time) -> Meeting:
    old = MeetingSeries.objects.select_for_update().get(pk=meeting.series_id)
    zone = old.time_zone
    first_slot = old.meetings.order_by("original_start").values_list("original_start", flat=True)[0]
    now = timezone.now()
    if meeting.original_start == first_slot:
        series = old
        for name, value in fields.items():
            setattr(series, name, value)
        series.start_time = start_time
        series.sequence += 1
        series.updated_at = now
        series.save()
    else:
        original_local = timezone.localtime(meeting.original_start, zone).replace(tzinfo=None)
        original_rule = old.rrule
        old.rrule = rule_with_until(old.rrule, original_local - timedelta(seconds=1))
        old.sequence += 1
        old.updated_at = now
        old.save()
        series = MeetingSeries.objects.create(
            community_id=old.community_id,
            time_zone=zone,
            start_date=original_local.date(),
            start_time=start_time,
            rrule=original_rule,
            exdates=old.exdates,
            materialised_until=old.materialised_until,
            created_by_id=old.created_by_id,
            **fields,
        )
    return _move_rows(
        old=old, series=series, since=meeting.original_start, fields=fields, pk=meeting.pk
    )


def _move_rows(
    *, old: MeetingSeries, series: MeetingSeries, since: datetime, fields: dict, pk: int
) -> Meeting:
    zone = series.time_zone
    now = timezone.now()
    rows = list(
        Meeting.objects.select_for_update()
        .filter(series=old, original_start__gte=since)
        .order_by("original_start")
    )
    for row in rows:
        local_date = timezone.localtime(row.original_start, zone).date()
        slot = localise(datetime.combine(local_date, series.start_time), zone)
        row.series = series
        row.uid = series.uid
        row.original_start = slot
        if not row.is_detached:
            for name, value in fields.items():
                setattr(row, name, value)
            row.starts_at = slot
            row.ends_at = slot + timedelta(minutes=row.duration_minutes)
        row.sequence += 1
        row.updated_at = now
    # Two passes: the slots of the moved rows may collide with each other mid-update.
    Meeting.objects.filter(pk__in=[r.pk for r in rows]).update(original_start=None)
    Meeting.objects.bulk_update(
        rows,
        [
            "series",
            "uid",
            "original_start",
            "starts_at",
            "ends_at",
            "sequence",
            "updated_at",
            *MEETING_FIELDS,
        ],
    )
    from .rsvps import waiting_list_promote

    for row in rows:
        waiting_list_promote(meeting=row)

    task_publish_on_commit(
        "meetings.send_series_update", series.pk, series.sequence, [r.pk for r in rows]
    )
    return next(r for r in rows if r.pk == pk)


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User) -> Meeting:
    """Cancel one meeting (or one occurrence). The people who said yes, and those on
    the waiting list, get a cancellation with the same UID. Safe to run twice."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=meeting.pk)
    )
    check_can_edit_meeting(by, meeting, membership=membership_of(by, meeting.community))
    if meeting.is_cancelled:
        return meeting
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        status=Meeting.Status.CANCELLED,
        cancelled_at=now,
        sequence=F("sequence") + 1,
        updated_at=now,
    )
    meeting.refresh_from_db()

    task_publish_on_commit("meetings.send_meeting_cancellation", meeting.pk)
    return meeting
