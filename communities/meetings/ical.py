"""iCalendar output (RFC 5545) built with the `icalendar` library.

A series is one VEVENT with its RRULE and EXDATEs (cancelled occurrences) in the series'
time zone, plus one VEVENT per occurrence that was moved or edited on its own, sharing
the series' UID and naming its slot with RECURRENCE-ID. A meeting alone is one VEVENT.
Every change raises SEQUENCE, so calendar programs replace what they had.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vRecur

from config.links import absolute_url

from .models import Meeting, MeetingSeries
from .recurrence import localise, rule_until

PRODID = "-//Practica//Meetings//EN"


def _absolute(path: str) -> str:
    return absolute_url(path)


def _calendar(method: str, name: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _description(agenda: str, url: str) -> str:
    return f"{agenda.strip()}\n\n{url}".strip()


def _fill(event: Event, *, meeting: Meeting, show_place: bool) -> None:
    url = _absolute(meeting.get_absolute_url())
    event.add("summary", meeting.title)
    event.add("dtstart", meeting.starts_local)
    event.add("dtend", timezone.localtime(meeting.ends_at, meeting.time_zone))
    event.add("description", _description(meeting.agenda, url))
    event.add("url", url)
    if show_place and meeting.place:
        event.add("location", meeting.place)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")


def _occurrence_event(meeting: Meeting, *, show_place: bool) -> Event:
    event = Event()
    event.add("uid", meeting.ical_uid)
    event.add("dtstamp", meeting.updated_at.astimezone(UTC))
    event.add("sequence", meeting.sequence + (meeting.series.sequence if meeting.series_id else 0))
    if meeting.series_id:
        event.add("recurrence-id", timezone.localtime(meeting.original_start, meeting.time_zone))
    _fill(event, meeting=meeting, show_place=show_place)
    return event


def _series_event(
    series: MeetingSeries, cancelled: list[Meeting], *, show_place: bool, url: str
) -> Event:
    zone = series.time_zone
    event = Event()
    event.add("uid", f"{series.uid}@{_host()}")
    event.add("dtstamp", series.updated_at.astimezone(UTC))
    event.add("sequence", series.sequence)
    event.add("summary", series.title)
    start = series.dtstart_local.replace(tzinfo=zone)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=series.duration_minutes))
    rule = vRecur.from_ical(_rule_in_utc(series))
    event.add("rrule", rule)
    excluded = [
        timezone.localtime(m.original_start, zone) for m in cancelled if m.original_start
    ] + [localise_iso(iso, zone) for iso in series.exdates]
    if excluded:
        event.add("exdate", sorted(set(excluded)))
    event.add("description", _description(series.agenda, url))
    event.add("url", url)
    if show_place and series.place:
        event.add("location", series.place)
    event.add("status", "CONFIRMED")
    return event


def localise_iso(iso: str, zone: ZoneInfo) -> datetime:
    return timezone.localtime(localise(datetime.fromisoformat(iso), zone), zone)


def _rule_in_utc(series: MeetingSeries) -> str:
    """RFC 5545: with a TZID start, UNTIL is given in UTC."""
    until = rule_until(series.rrule)
    parts = [p for p in series.rrule.split(";") if p and not p.upper().startswith("UNTIL=")]
    if until is not None:
        parts.append(f"UNTIL={localise(until, series.time_zone):%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


def _host() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/")[0].split(":")[0]


def _differs_from_series(meeting: Meeting) -> bool:
    series = meeting.series
    return (
        meeting.is_detached
        or meeting.starts_at != meeting.original_start
        or meeting.duration_minutes != series.duration_minutes
        or meeting.title != series.title
    )


def calendar_bytes(
    meetings: Iterable[Meeting],
    *,
    show_place: Callable[[Meeting], bool],
    name: str | None = None,
    method: str = "PUBLISH",
) -> bytes:
    """A calendar of `meetings` (already scoped to what its reader may see): series as
    rules with their exceptions, single meetings as events, time zones as VTIMEZONE."""
    cal = _calendar(method, name)
    by_series: dict[int, list[Meeting]] = {}
    for meeting in meetings:
        if meeting.series_id:
            by_series.setdefault(meeting.series_id, []).append(meeting)
        else:
            cal.add_component(_occurrence_event(meeting, show_place=show_place(meeting)))
    for rows in by_series.values():
        series = rows[0].series
        first = rows[0]
        place = show_place(first)
        url = _absolute(first.get_absolute_url())
        cancelled = [m for m in rows if m.is_cancelled]
        cal.add_component(_series_event(series, cancelled, show_place=place, url=url))
        for meeting in rows:
            if not meeting.is_cancelled and _differs_from_series(meeting):
                cal.add_component(_occurrence_event(meeting, show_place=place))
    cal.add_missing_timezones()
    return cal.to_ical()


def meeting_bytes(meeting: Meeting, *, show_place: bool, method: str = "PUBLISH") -> bytes:
    """One meeting (or one occurrence, by its series' UID and RECURRENCE-ID)."""
    cal = _calendar(method, None)
    event = _occurrence_event(meeting, show_place=show_place)
    if method == "CANCEL":
        event.add("organizer", f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].strip('> ')}")
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
