"""Recurrence rules (RFC 5545 RRULE) expanded by python-dateutil over local wall time.

The rule runs on naive local datetimes anchored at the series' first start; each result
is then placed in the series' time zone. That is what keeps a 19:00 meeting at 19:00
across a daylight-saving change: the UTC instant moves, the wall time does not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import FR, MO, SA, SU, TH, TU, WE, rrule, rrulestr
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)


class Pattern:
    ONCE = "once"
    WEEKLY = "weekly"
    MONTHLY_NTH_WEEKDAY = "monthly_weekday"
    MONTHLY_LAST_WEEKDAY = "monthly_last"
    MONTHLY_DAY = "monthly_day"
    YEARLY = "yearly"
    CUSTOM = "custom"

    CHOICES = [
        (ONCE, gettext_lazy("Does not repeat")),
        (WEEKLY, gettext_lazy("Every week (or every few weeks) on the same weekday")),
        (MONTHLY_NTH_WEEKDAY, gettext_lazy("Monthly on the same weekday, e.g. the first Monday")),
        (MONTHLY_LAST_WEEKDAY, gettext_lazy("Monthly on the last such weekday")),
        (MONTHLY_DAY, gettext_lazy("Monthly on the same day of the month")),
        (YEARLY, gettext_lazy("Every year")),
        (CUSTOM, gettext_lazy("Custom rule (RFC 5545 RRULE)")),
    ]


def build_rule(
    *, pattern: str, first: date, interval: int = 1, until: date | None = None, custom: str = ""
) -> str:
    """The RRULE text for a pattern chosen on the form, relative to the first date.

    UNTIL is written in local wall time (the end of that day), like the series' anchor.
    """
    weekday = WEEKDAYS[first.weekday()]
    interval = max(int(interval or 1), 1)
    if pattern == Pattern.CUSTOM:
        rule = custom.strip().removeprefix("RRULE:")
        validate_rule(rule)
        parts = [p for p in rule.split(";") if not p.upper().startswith("UNTIL=")]
    elif pattern == Pattern.WEEKLY:
        parts = ["FREQ=WEEKLY", f"INTERVAL={interval}", f"BYDAY={weekday}"]
    elif pattern == Pattern.MONTHLY_NTH_WEEKDAY:
        nth = (first.day - 1) // 7 + 1
        parts = ["FREQ=MONTHLY", f"INTERVAL={interval}", f"BYDAY=+{nth}{weekday}"]
    elif pattern == Pattern.MONTHLY_LAST_WEEKDAY:
        parts = ["FREQ=MONTHLY", f"INTERVAL={interval}", f"BYDAY=-1{weekday}"]
    elif pattern == Pattern.MONTHLY_DAY:
        parts = ["FREQ=MONTHLY", f"INTERVAL={interval}", f"BYMONTHDAY={first.day}"]
    elif pattern == Pattern.YEARLY:
        parts = ["FREQ=YEARLY", f"INTERVAL={interval}"]
    else:
        raise ValidationError(_("Choose how the meeting repeats."))
    if until:
        parts.append(f"UNTIL={until:%Y%m%d}T235959")
    return ";".join(parts)


def validate_rule(rule: str) -> None:
    """Refuse what dateutil cannot parse, COUNT (ends are dates here) and sub-daily rules."""
    upper = rule.upper()
    if not upper.startswith("FREQ=") and ";FREQ=" not in upper:
        raise ValidationError(_("A rule starts with FREQ=, for example FREQ=WEEKLY;INTERVAL=2."))
    if "COUNT=" in upper:
        raise ValidationError(_("Give an end date instead of a number of meetings."))
    if any(f"FREQ={f}" in upper for f in ("SECONDLY", "MINUTELY", "HOURLY")):
        raise ValidationError(_("Meetings repeat at most daily."))
    try:
        rrulestr(rule, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            _("This is not a valid recurrence rule: %(error)s") % {"error": exc}
        ) from exc


def rule_with_until(rule: str, until_local: datetime | None) -> str:
    """The same rule, ending at `until_local` (naive local), or open-ended."""
    parts = [p for p in rule.split(";") if p and not p.upper().startswith("UNTIL=")]
    if until_local is not None:
        parts.append(f"UNTIL={until_local:%Y%m%dT%H%M%S}")
    return ";".join(parts)


def rule_until(rule: str) -> datetime | None:
    for part in rule.split(";"):
        if part.upper().startswith("UNTIL="):
            return datetime.strptime(part.split("=", 1)[1][:15], "%Y%m%dT%H%M%S")
    return None


def _rule(rule: str, dtstart_local: datetime) -> rrule:
    return rrulestr(rule, dtstart=dtstart_local)


def first_start(rule: str, from_local: datetime) -> datetime | None:
    """The rule's first start on or after `from_local` (naive local), or None.

    RFC 5545 counts DTSTART as an occurrence even when it does not match the rule;
    dateutil does not. Anchoring a series on its first real occurrence makes both agree.
    """
    return _rule(rule, from_local).after(from_local, inc=True)


def localise(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall time in `zone`, as an aware UTC datetime."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def local_starts(
    *, rule: str, dtstart_local: datetime, zone: ZoneInfo, start: datetime, end: datetime
) -> list[datetime]:
    """The naive local starts of the rule whose instants fall in [start, end)."""
    # Compare in local wall time with a day's margin each side, then check the instants.
    after = timezone.localtime(start, zone).replace(tzinfo=None) - timedelta(days=1)
    before = timezone.localtime(end, zone).replace(tzinfo=None) + timedelta(days=1)
    found = []
    for local in _rule(rule, dtstart_local).between(after, before, inc=True):
        instant = localise(local, zone)
        if start <= instant < end:
            found.append(local)
    return found


def describe(rule: str) -> str:
    """A short human description of the common patterns."""
    fields = dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p)
    freq = fields.get("FREQ")
    interval = int(fields.get("INTERVAL", "1"))
    names = dict(
        zip(
            ("MO", "TU", "WE", "TH", "FR", "SA", "SU"),
            (
                _("Monday"),
                _("Tuesday"),
                _("Wednesday"),
                _("Thursday"),
                _("Friday"),
                _("Saturday"),
                _("Sunday"),
            ),
            strict=True,
        )
    )
    byday = fields.get("BYDAY", "")
    if freq == "WEEKLY" and byday in names:
        if interval == 1:
            return _("Every %(day)s") % {"day": names[byday]}
        return _("Every %(n)s weeks on %(day)s") % {"n": interval, "day": names[byday]}
    if freq == "MONTHLY" and byday[-2:] in names and byday[:-2]:
        ordinal = byday[:-2].lstrip("+")
        ordinals = {
            "1": _("first"),
            "2": _("second"),
            "3": _("third"),
            "4": _("fourth"),
            "-1": _("last"),
        }
        if ordinal in ordinals:
            text = _("The %(nth)s %(day)s of the month") % {
                "nth": ordinals[ordinal],
                "day": names[byday[-2:]],
            }
            if interval > 1:
                text += " " + _("(every %(n)s months)") % {"n": interval}
            return text
    if freq == "MONTHLY":
        return _("Monthly") if interval == 1 else _("Every %(n)s months") % {"n": interval}
    if freq == "YEARLY":
        return _("Every year")
    if freq == "DAILY":
        return _("Every day") if interval == 1 else _("Every %(n)s days") % {"n": interval}
    return rule
