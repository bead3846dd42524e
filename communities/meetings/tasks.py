"""Celery tasks for meetings: ids in, load, return early if gone or stale, call a service.
Every task is safe to run twice (dedupe keys and claim rows)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import announcements, reminders, schedule

TRANSIENT = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="meetings.send_meeting_invitations", **TRANSIENT)
def send_meeting_invitations(meeting_id: int) -> int:
    """Invite the members to a new meeting or series. Safe to run twice."""
    return announcements.invitations_send(meeting_id=meeting_id)


@shared_task(name="meetings.send_meeting_update", **TRANSIENT)
def send_meeting_update(meeting_id: int, sequence: int) -> int:
    """Send a changed meeting to those who answered; stale sequences send nothing."""
    return announcements.update_send(meeting_id=meeting_id, sequence=sequence)


@shared_task(name="meetings.send_series_update", **TRANSIENT)
def send_series_update(series_id: int, sequence: int, meeting_ids: list[int]) -> int:
    """Send a changed series (this and following) to those who answered. Safe to run twice."""
    return announcements.series_update_send(
        series_id=series_id, sequence=sequence, meeting_ids=meeting_ids
    )


@shared_task(name="meetings.send_meeting_cancellation", **TRANSIENT)
def send_meeting_cancellation(meeting_id: int) -> int:
    """Tell those who said yes that the meeting is cancelled. Safe to run twice."""
    return announcements.cancellation_send(meeting_id=meeting_id)


@shared_task(name="meetings.send_waiting_list_promotion", **TRANSIENT)
def send_waiting_list_promotion(rsvp_id: int) -> int:
    """Tell a person their waiting-list place became a seat. Safe to run twice."""
    return announcements.promotion_send(rsvp_id=rsvp_id)


@shared_task(name="meetings.send_insight_request", **TRANSIENT)
def send_insight_request(insight_id: int) -> int:
    """Ask a person to confirm an insight attributed to them. Safe to run twice."""
    return announcements.insight_request_send(insight_id=insight_id)


@shared_task(name="meetings.dispatch_reminders")
def dispatch_reminders() -> int:
    """Enqueue reminder tasks for meetings whose reminder window is open (beat, every
    5 minutes). Claims nothing: the tasks do. Safe to run twice or on two beats."""
    return reminders.reminders_dispatch()


@shared_task(name="meetings.send_meeting_reminders", **TRANSIENT)
def send_meeting_reminders(meeting_id: int, kind: str) -> dict[str, int]:
    """Queue one meeting's due reminders. Safe to run twice: each reminder is claimed
    by a unique row in the transaction that queues its email."""
    run = reminders.reminders_send(meeting_id=meeting_id, kind=kind)
    return {"queued": run.queued, "skipped": run.skipped}


@shared_task(name="meetings.extend_series")
def extend_series() -> int:
    """Keep open series materialised a year ahead (daily). Safe to run twice."""
    return schedule.series_extend_all()
