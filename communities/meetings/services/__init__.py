"""Writes for meetings: keyword-only, typed, atomic. One module per journey."""

from .harvest import insight_confirm, insight_decline, insight_propose, meeting_notes_save
from .reminders import reminders_dispatch, reminders_send
from .rsvps import rsvp_set, waiting_list_promote
from .schedule import (
    HORIZON,
    meeting_cancel,
    meeting_schedule,
    meeting_update,
    series_extend_all,
    series_materialise,
)

__all__ = [
    "HORIZON",
    "insight_confirm",
    "insight_decline",
    "insight_propose",
    "meeting_cancel",
    "meeting_notes_save",
    "meeting_schedule",
    "meeting_update",
    "reminders_dispatch",
    "reminders_send",
    "rsvp_set",
    "series_extend_all",
    "series_materialise",
    "waiting_list_promote",
]
