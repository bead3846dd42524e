"""Attendance over time for the community health dashboard."""

from __future__ import annotations

from datetime import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communities import charts
from communities.models import Community

from .selectors import attendance_by_month


def attendance_chart(community: Community, *, since: datetime) -> charts.BarChart | None:
    """Past meetings per month and how many people said yes; None without meetings."""
    months = attendance_by_month(community, since=since)
    if not months:
        return None
    items = []
    for row in months:
        meetings = ngettext("%(n)d meeting", "%(n)d meetings", row["meetings"]) % {
            "n": row["meetings"]
        }
        label = f"{date_format(row['month'], 'F Y')} · {meetings}"
        per_meeting = row["going"] / row["meetings"]
        shown = _("%(going)d yes, %(avg)s per meeting") % {
            "going": row["going"],
            "avg": f"{per_meeting:.1f}".rstrip("0").rstrip("."),
        }
        items.append((label, row["going"], shown, "active"))
    total = sum(r["going"] for r in months)
    count = sum(r["meetings"] for r in months)
    return charts.bar_chart(
        id="chart-attendance",
        title=_("Meeting attendance per month (people who said yes)"),
        description=_("%(count)d meetings with %(total)d yes answers in the period.")
        % {"count": count, "total": total},
        items=items,
    )
