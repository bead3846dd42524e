"""Meeting reminders: the day before and an hour before, found from what is due.

A dispatcher (beat, every few minutes) enqueues one task per meeting with a reminder
window open now. The task claims each (meeting, person, kind, start) with a unique row
written in the same transaction as the outbox email, so beat running twice, two
dispatchers, or a worker killed half-way still send each reminder exactly once.
Recipients are checked with their current rights at send time: people who said no,
who left or were removed, and cancelled meetings get nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from communities.models import Community
from config.tasks import task_publish

from ..models import REMINDER_LEAD, Meeting, ReminderDelivery, ReminderKind, Rsvp
from ..permissions import check_can_attend, membership_of

if TYPE_CHECKING:
    from members.models import User

# Who is reminded: those coming, and those who might.
REMINDED = (Rsvp.Status.GOING, Rsvp.Status.MAYBE)


def _window(kind: str, now: datetime) -> tuple[datetime, datetime]:
    """Meetings starting in (after, before] are due for `kind` now. The day-before
    reminder stops once the hour-before one takes over."""
    if kind == ReminderKind.DAY_BEFORE:
        return now + REMINDER_LEAD[ReminderKind.HOUR_BEFORE], now + REMINDER_LEAD[kind]
    return now, now + REMINDER_LEAD[kind]


def due_meetings(*, kind: str, now: datetime) -> list[int]:
    after, before = _window(kind, now)
    return list(
        Meeting.objects.scheduled()
        .filter(
            starts_at__gt=after,
            starts_at__lte=before,
            community__in=Community.objects.active_for_email(),
            rsvps__status__in=REMINDED,
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def reminders_dispatch(*, now: datetime | None = None) -> int:
    """Enqueue a reminder task per meeting and kind that is due. Claims nothing."""

    now = now or timezone.now()
    published = 0
    for kind in ReminderKind.values:
        for meeting_id in due_meetings(kind=kind, now=now):
            task_publish("meetings.send_meeting_reminders", meeting_id, kind)
            published += 1
    return published


@dataclass
class ReminderRun:
    queued: int = 0
    skipped: int = 0


def _wants(user: User, kind: str) -> bool:
    preference = getattr(user, "meeting_reminders", None)
    return preference is None or getattr(preference, kind)


def reminders_send(*, meeting_id: int, kind: str, now: datetime | None = None) -> ReminderRun:
    """Queue `kind` reminders for one meeting. Safe to run twice and concurrently."""
    from .. import ical
    from .emails import queue_member_email

    now = now or timezone.now()
    run = ReminderRun()
    meeting = (
        Meeting.objects.scheduled()
        .filter(pk=meeting_id, community__in=Community.objects.active_for_email())
        .select_related("community", "series")
        .first()
    )
    if meeting is None or kind not in ReminderKind.values:
        return run
    after, before = _window(kind, now)
    if not after < meeting.starts_at <= before:
        return run
    claimed = ReminderDelivery.objects.filter(
        meeting=meeting, kind=kind, starts_at=meeting.starts_at
    ).values("user_id")
    rsvps = (
        Rsvp.objects.filter(meeting=meeting, status__in=REMINDED, user__is_active=True)
        .exclude(user_id__in=claimed)
        .select_related("user", "user__meeting_reminders")
        .order_by("pk")
    )
    for rsvp in rsvps:
        user = rsvp.user
        if not _wants(user, kind):
            run.skipped += 1
            continue
        membership = membership_of(user, meeting.community)
        try:
            check_can_attend(user, meeting, membership=membership)
        except PermissionDenied:
            run.skipped += 1
            continue
        with transaction.atomic():
            _delivery, created = ReminderDelivery.objects.get_or_create(
                meeting=meeting, user=user, kind=kind, starts_at=meeting.starts_at
            )
            if not created:
                run.skipped += 1
                continue
            queue_member_email(
                user=user,
                template="meeting_reminder",
                context={
                    "meeting": meeting,
                    "kind": kind,
                    "show_place": True,
                    "status": rsvp.status,
                },
                dedupe_key=(
                    f"meeting-reminder:{meeting.pk}:{user.pk}:{kind}:"
                    f"{int(meeting.starts_at.timestamp())}"
                ),
                ics=ical.meeting_bytes(meeting, show_place=True),
            )
        run.queued += 1
    return run
