"""The community health dashboard and its CSV export, for facilitators and site staff."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from practices.playbook.health import playbook_health

from .. import charts
from ..access import access_community
from ..health import PERIODS, Health, community_health, parse_period
from ..meetings.health import attendance_chart
from ..models import Community, Membership
from ..permissions import check_can_view_health
from .manage import manage_context

OUTCOME_LABELS = {
    "worked": gettext_lazy("Worked"),
    "mixed": gettext_lazy("Mixed"),
    "failed": gettext_lazy("Did not work"),
    "unsaid": gettext_lazy("Outcome not given"),
}


def _get_health_community(request, slug: str) -> tuple[Community, Membership | None]:
    """404 when the community is invisible to the viewer, 403 when it is not theirs."""
    community, viewer = access_community(request.user, slug)
    check_can_view_health(request.user, community, viewer)
    return community, viewer


def format_duration(delta) -> str:
    """How long someone waited: "3 hours", "1 day 4 hours", "under an hour"."""
    if delta is None:
        return "—"
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return _("under an hour")
    days, hours = divmod(hours, 24)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours and days < 7:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    return " ".join(parts)


def _outcome_items(health: Health) -> list[tuple[str, int]]:
    items = [(key, health.outcomes[key]) for key in ("worked", "mixed", "failed")]
    if health.outcomes["unsaid"]:
        items.append(("unsaid", health.outcomes["unsaid"]))
    return items


def _share(count: int, total: int) -> str:
    if not total:
        return str(count)
    return f"{count} ({round(100 * count / total)}%)"


def health_charts(health: Health) -> dict:
    """The dashboard's charts, each with a title and a sentence saying what it shows."""
    starts = [w.start for w in health.weeks]
    busiest = max(health.weeks, key=lambda w: w.joined, default=None)
    members_desc = _(
        "%(joined)d joined and %(left)d left or were removed over %(weeks)d weeks."
    ) % {"joined": health.joined, "left": health.left, "weeks": len(health.weeks)}
    if busiest and busiest.joined:
        members_desc += " " + _("Most joined in the week of %(week)s: %(n)d.") % {
            "week": date_format(busiest.start, "MONTH_DAY_FORMAT"),
            "n": busiest.joined,
        }
    first, last = health.weeks[0], health.weeks[-1]
    active_total = sum(t.count for t in health.tiers)
    outcomes = _outcome_items(health)
    return {
        "joined_left": charts.diverging_columns(
            id="chart-joined-left",
            title=_("Joined (above the line) and left (below), per week"),
            description=members_desc,
            starts=starts,
            up=[w.joined for w in health.weeks],
            down=[w.left for w in health.weeks],
        ),
        "members": charts.line_chart(
            id="chart-members",
            title=_("Members at the end of each week"),
            description=_("From %(start)d members in the week of %(first)s to %(end)d now.")
            % {
                "start": first.members,
                "first": date_format(first.start, "MONTH_DAY_FORMAT"),
                "end": last.members,
            },
            starts=starts,
            values=[w.members for w in health.weeks],
        ),
        "tiers": charts.bar_chart(
            id="chart-tiers",
            title=_("Active members by contributions in the period"),
            description="; ".join(f"{t.label} ({t.rule}): {t.count}" for t in health.tiers) + ".",
            items=[
                (f"{t.label} · {t.rule}", t.count, _share(t.count, active_total), t.key)
                for t in health.tiers
            ],
        ),
        "kinds": charts.bar_chart(
            id="chart-kinds",
            title=_("Posts by kind"),
            description=_("%(e)d experiences and %(c)d challenges.")
            % {"e": health.experiences, "c": health.challenges},
            items=[
                (_("Experiences"), health.experiences, str(health.experiences), "experience"),
                (_("Challenges"), health.challenges, str(health.challenges), "challenge"),
            ],
        ),
        "outcomes": charts.bar_chart(
            id="chart-outcomes",
            title=_("Experiences by outcome"),
            description="; ".join(f"{OUTCOME_LABELS[k]}: {n}" for k, n in outcomes) + ".",
            items=[
                (str(OUTCOME_LABELS[k]), n, _share(n, health.experiences), k) for k, n in outcomes
            ],
        ),
        "funnel": charts.bar_chart(
            id="chart-funnel",
            title=_("Onboarding of the people who joined in the period"),
            description="; ".join(f"{s.label}: {s.count} ({s.percent}%)" for s in health.funnel)
            + ".",
            items=[
                (s.label, s.count, f"{s.count} ({s.percent}%)", "funnel") for s in health.funnel
            ],
            scale_to=health.funnel[0].count if health.funnel else None,
        ),
    }


@login_required
def health(request, slug: str):
    community, viewer = _get_health_community(request, slug)
    days = parse_period(request.GET.get("period"))
    report = community_health(community, days=days)
    for post in report.waiting:
        post.waited_text = format_duration(post.waited)
    # The facilitators' side navigation (and its badges), as on every settings page.
    context = manage_context(
        request,
        community,
        viewer,
        "health",
        health=report,
        charts=health_charts(report),
        periods=PERIODS,
        outcomes=[(k, OUTCOME_LABELS[k], n) for k, n in _outcome_items(report)],
        median_first_answer=format_duration(report.median_first_answer),
        attendance=attendance_chart(community, since=report.since),
        playbook=playbook_health(community),
    )
    return render(request, "communities/manage/health.html", context)


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def health_export(request, slug: str):
    """The dashboard's figures as one long CSV table: section, item, value."""
    community, viewer = _get_health_community(request, slug)
    days = parse_period(request.GET.get("period"))
    report = community_health(community, days=days)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{community.slug}-health-{days}-days.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(["section", "item", "value"])
    rows = [
        ("period", "days", days),
        ("period", "from", report.since.date().isoformat()),
        ("period", "to", report.until.date().isoformat()),
        ("members", "now", report.members_now),
        ("members", "joined", report.joined),
        ("members", "left", report.left),
    ]
    for week in report.weeks:
        start = week.start.isoformat()
        rows += [
            ("joined per week", start, week.joined),
            ("left per week", start, week.left),
            ("members at end of week", start, week.members),
        ]
    rows += [("participation", tier.key, tier.count) for tier in report.tiers]
    rows += [
        ("posts", "experiences", report.experiences),
        ("posts", "challenges", report.challenges),
    ]
    rows += [("outcomes", key, count) for key, count in report.outcomes.items()]
    median = report.median_first_answer
    rows += [
        ("challenges", "answered", report.challenges_answered),
        (
            "challenges",
            "median hours to first answer",
            "" if median is None else round(median.total_seconds() / 3600, 1),
        ),
        ("challenges", "open and waiting over 48 hours", report.waiting_count),
        ("applied", "I applied this", report.applied),
        ("applied", "posts applied", report.applied_posts),
    ]
    rows += [("onboarding", step.key, step.count) for step in report.funnel]
    playbook = playbook_health(community)
    rows += [
        ("playbook", "pages", playbook.pages),
        ("playbook", "pages backed by evidence", playbook.with_evidence),
    ]
    site = request.build_absolute_uri("/")[:-1]
    for post in report.waiting:
        rows += [
            ("waiting challenge", post.title, site + post.get_absolute_url()),
            ("waiting challenge hours", post.title, int(post.waited.total_seconds() // 3600)),
        ]
    for section, item, value in rows:
        writer.writerow([_cell(section), _cell(item), _cell(value)])
    return response
