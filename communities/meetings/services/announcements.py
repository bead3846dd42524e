"""Emails about a meeting: invitations, updates, cancellations, waiting-list places and
requests to confirm an insight. Each carries the calendar file its mail program can add
or update, and a dedupe key, so running a task twice queues nothing new."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from communities.models import Community, Membership

from .. import ical
from ..models import Insight, Meeting, MeetingSeries, Rsvp
from ..permissions import check_can_attend, check_can_see_place, membership_of
from .emails import queue_member_email

if TYPE_CHECKING:
    from members.models import User


def _meeting(meeting_id: int) -> Meeting | None:
    return (
        Meeting.objects.filter(pk=meeting_id, community__in=Community.objects.active_for_email())
        .select_related("community", "series")
        .first()
    )


def _series_calendar(series: MeetingSeries) -> bytes:
    rows = series.meetings.select_related("community", "series").order_by("starts_at")
    return ical.calendar_bytes(rows, show_place=lambda m: True, name=series.title)


def invitations_send(*, meeting_id: int) -> int:
    """Invite the community's active members to a new meeting or series. Safe to run
    twice. Returns how many emails were queued."""
    meeting = _meeting(meeting_id)
    if meeting is None or meeting.is_cancelled:
        return 0
    if meeting.series_id:
        ics, key = _series_calendar(meeting.series), f"series:{meeting.series.uid}"
    else:
        ics, key = ical.meeting_bytes(meeting, show_place=True), f"meeting:{meeting.pk}"
    members = (
        Membership.objects.active()
        .filter(community=meeting.community, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    queued = 0
    for membership in members.iterator(chunk_size=200):
        queued += queue_member_email(
            user=membership.user,
            template="meeting_invitation",
            context={"meeting": meeting, "series": meeting.series, "show_place": True},
            dedupe_key=f"meeting-invite:{key}:{membership.user_id}",
            ics=ics,
        )
    return queued


def _answered(
    meeting_ids: list[int], statuses: tuple[str, ...] = ("going", "waiting", "maybe")
) -> QuerySet[Rsvp]:
    return (
        Rsvp.objects.filter(meeting_id__in=meeting_ids, status__in=statuses)
        .select_related("user")
        .order_by("pk")
    )


def _may_attend(user: User, meeting: Meeting) -> bool:
    try:
        check_can_attend(user, meeting, membership=membership_of(user, meeting.community))
    except PermissionDenied:
        return False
    return True


def update_send(*, meeting_id: int, sequence: int) -> int:
    """Tell the people who answered yes, maybe or are waiting that a meeting changed."""
    meeting = _meeting(meeting_id)
    if meeting is None or meeting.sequence != sequence or meeting.is_cancelled:
        return 0  # a later change sends its own update
    ics = ical.meeting_bytes(meeting, show_place=True)
    queued = 0
    for rsvp in _answered([meeting.pk]):
        if _may_attend(rsvp.user, meeting):
            queued += queue_member_email(
                user=rsvp.user,
                template="meeting_update",
                context={"meeting": meeting, "show_place": True},
                dedupe_key=f"meeting-update:{meeting.pk}:{sequence}:{rsvp.user_id}",
                ics=ics,
            )
    return queued


def series_update_send(*, series_id: int, sequence: int, meeting_ids: list[int]) -> int:
    """One email per person who answered any of the changed meetings of a series."""
    series = MeetingSeries.objects.filter(pk=series_id, sequence=sequence).first()
    if series is None:
        return 0
    first = (
        series.meetings.filter(pk__in=meeting_ids)
        .select_related("community", "series")
        .order_by("starts_at")
        .first()
    )
    if first is None or not first.community.is_launched:
        return 0
    ics = _series_calendar(series)
    queued, seen = 0, set()
    for rsvp in _answered(meeting_ids):
        if rsvp.user_id in seen or not _may_attend(rsvp.user, first):
            continue
        seen.add(rsvp.user_id)
        queued += queue_member_email(
            user=rsvp.user,
            template="meeting_update",
            context={"meeting": first, "series": series, "show_place": True},
            dedupe_key=f"meeting-series-update:{series.uid}:{sequence}:{rsvp.user_id}",
            ics=ics,
        )
    return queued


def cancellation_send(*, meeting_id: int) -> int:
    """Tell the people who said yes (going or waiting) that a meeting is cancelled."""
    meeting = _meeting(meeting_id)
    if meeting is None or not meeting.is_cancelled:
        return 0
    ics = ical.meeting_bytes(meeting, show_place=False, method="CANCEL")
    queued = 0
    for rsvp in _answered([meeting.pk], statuses=("going", "waiting")):
        if _may_attend(rsvp.user, meeting):
            queued += queue_member_email(
                user=rsvp.user,
                template="meeting_cancelled",
                context={"meeting": meeting},
                dedupe_key=f"meeting-cancel:{meeting.pk}:{rsvp.user_id}",
                ics=ics,
                ics_method="CANCEL",
            )
    return queued


def promotion_send(*, rsvp_id: int) -> int:
    """Tell a person waiting that a place became free and is now theirs."""
    rsvp = (
        Rsvp.objects.filter(pk=rsvp_id, status=Rsvp.Status.GOING)
        .select_related("user", "meeting__community", "meeting__series")
        .first()
    )
    if rsvp is None or not _may_attend(rsvp.user, rsvp.meeting):
        return 0
    meeting = rsvp.meeting
    return int(
        queue_member_email(
            user=rsvp.user,
            template="meeting_promoted",
            context={"meeting": meeting, "show_place": True},
            dedupe_key=f"meeting-promoted:{meeting.pk}:{rsvp.user_id}:{int(rsvp.responded_at.timestamp())}",
            ics=ical.meeting_bytes(meeting, show_place=True),
        )
    )


def insight_request_send(*, insight_id: int) -> int:
    """Ask the person an insight is attributed to whether it may go out under their name."""
    insight = (
        Insight.objects.filter(pk=insight_id, status=Insight.Status.PROPOSED)
        .select_related("person", "meeting__community", "proposed_by")
        .first()
    )
    if insight is None:
        return 0
    membership = membership_of(insight.person, insight.meeting.community)
    try:
        check_can_see_place(insight.person, insight.meeting, membership=membership)
    except PermissionDenied:
        return 0
    return int(
        queue_member_email(
            user=insight.person,
            template="meeting_insight_request",
            context={"insight": insight, "meeting": insight.meeting},
            dedupe_key=f"meeting-insight:{insight.pk}",
        )
    )
