"""A community's health over a period: the figures facilitators steer by.

Everything is computed in a fixed number of queries (six), whatever the size of the
community: each figure is one aggregate, grouped or filtered in PostgreSQL, never a
query per member or per post.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Community, Membership, MembershipEvent

PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 90
# A challenge that has waited this long without a helpful answer needs someone's attention.
WAITING_AFTER = timedelta(hours=48)
WAITING_LIST_SIZE = 20
WAITING_FIELDS = (
    "pk",
    "community_id",
    "title",
    "published_at",
    "comment_count",
    "shared_without_name",
    "author__display_name",
    "author__email",
)

JOINED_ACTIONS = (
    MembershipEvent.Action.JOINED,
    MembershipEvent.Action.APPROVED,
    MembershipEvent.Action.INVITATION_ACCEPTED,
)
LEFT_ACTIONS = (
    MembershipEvent.Action.LEFT,
    MembershipEvent.Action.REMOVED,
    MembershipEvent.Action.BANNED,
)

# (key, label, rule, lowest count, highest count or None)
TIERS = (
    ("core", _("Core"), _("10 or more contributions"), 10, None),
    ("active", _("Active"), _("3 to 9 contributions"), 3, 9),
    ("occasional", _("Occasional"), _("1 or 2 contributions"), 1, 2),
    ("peripheral", _("Peripheral"), _("no contributions"), 0, 0),
)


class Median(Aggregate):
    """PostgreSQL's `percentile_cont(0.5)`: the median of numbers or of intervals."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def parse_period(value: str | None) -> int:
    """The period in days from a query string value; unknown values give the default."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


@dataclass(frozen=True)
class Week:
    start: date
    joined: int
    left: int
    members: int  # at the end of the week, worked back from today's count


@dataclass(frozen=True)
class Tier:
    key: str
    label: str
    rule: str
    count: int


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    count: int
    percent: int  # of those who joined


@dataclass
class Health:
    community: Community
    days: int
    since: datetime
    until: datetime
    members_now: int
    weeks: list[Week]
    tiers: list[Tier]
    experiences: int
    challenges: int
    outcomes: dict[str, int]
    challenges_answered: int
    median_first_answer: timedelta | None
    applied: int
    applied_posts: int
    waiting: list = field(default_factory=list)
    waiting_count: int = 0
    funnel: list[FunnelStep] = field(default_factory=list)

    @property
    def joined(self) -> int:
        return sum(w.joined for w in self.weeks)

    @property
    def left(self) -> int:
        return sum(w.left for w in self.weeks)

    @property
    def posts(self) -> int:
        return self.experiences + self.challenges

    @property
    def contributors(self) -> int:
        return sum(t.count for t in self.tiers if t.key != "peripheral")

    @property
    def no_failures_shared(self) -> bool:
        """Experiences were shared in the period, but not one that did not work."""
        return self.experiences > 0 and self.outcomes.get("failed", 0) == 0


def community_health(community: Community, *, days: int, now: datetime | None = None) -> Health:
    """The health figures of `community` over the last `days` days, in six queries."""
    until = now or timezone.now()
    since = until - timedelta(days=days)
    posts = _posts(community, since)
    waiting, waiting_count = _waiting_challenges(community, until)
    return Health(
        community=community,
        days=days,
        since=since,
        until=until,
        members_now=community.member_count,
        weeks=_weeks(community, since, until),
        tiers=_tiers(community, since),
        experiences=posts["experiences"],
        challenges=posts["challenges"],
        outcomes={
            "worked": posts["worked"],
            "mixed": posts["mixed"],
            "failed": posts["failed"],
            "unsaid": posts["unsaid"],
        },
        challenges_answered=posts["answered"],
        median_first_answer=posts["median"],
        waiting=waiting,
        waiting_count=waiting_count,
        funnel=_funnel(community, since),
        **_applied(community, since),
    )


def _week_start(moment: datetime) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


def _weeks(community: Community, since: datetime, until: datetime) -> list[Week]:
    """Joined and left per week (one grouped query), members at each week's end."""
    rows = (
        MembershipEvent.objects.filter(
            membership__community=community,
            created_at__gte=since,
            created_at__lte=until,
            action__in=[*JOINED_ACTIONS, *LEFT_ACTIONS],
        )
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(
            joined=Count("pk", filter=Q(action__in=JOINED_ACTIONS)),
            left=Count("pk", filter=Q(action__in=LEFT_ACTIONS)),
        )
        .order_by("week")
    )
    by_week = {timezone.localtime(r["week"]).date(): (r["joined"], r["left"]) for r in rows}
    starts, start, last = [], _week_start(since), _week_start(until)
    while start <= last:
        starts.append(start)
        start += timedelta(days=7)
    # Today's count is known; earlier weeks are worked back from what happened since.
    members = community.member_count
    weeks = []
    for start in reversed(starts):
        joined, left = by_week.get(start, (0, 0))
        weeks.append(Week(start=start, joined=joined, left=left, members=max(members, 0)))
        members = members - joined + left
    weeks.reverse()
    return weeks


def _count_of(queryset: QuerySet, column: str) -> Subquery:
    """A correlated COUNT(*) subquery grouped by `column` (0 when there are no rows)."""
    counted = queryset.order_by().values(column).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _tiers(community: Community, since: datetime) -> list[Tier]:
    """Active members by their posts and comments in the period, in one aggregate."""
    from practices.models import Comment, Post

    posts = Post.objects.filter(
        community=community,
        author=OuterRef("user_id"),
        status=Post.Status.PUBLISHED,
        hidden_at__isnull=True,
        published_at__gte=since,
    )
    comments = Comment.objects.filter(
        post__community=community,
        post__status=Post.Status.PUBLISHED,
        author=OuterRef("user_id"),
        status=Comment.Status.VISIBLE,
        hidden_at__isnull=True,
        created_at__gte=since,
    )
    # Aggregating over annotations that hold subqueries makes Django compute them once
    # per member in an inner query, then count the tiers over it.
    counts = (
        Membership.objects.active()
        .filter(community=community)
        .annotate(n=_count_of(posts, "author") + _count_of(comments, "author"))
        .aggregate(
            **{
                key: Count(
                    "pk", filter=Q(n__gte=low) & (Q(n__lte=high) if high is not None else Q())
                )
                for key, _label, _rule, low, high in TIERS
            }
        )
    )
    return [
        Tier(key=key, label=str(label), rule=str(rule), count=counts[key])
        for key, label, rule, _low, _high in TIERS
    ]


def _posts(community: Community, since: datetime) -> dict:
    """Posts by kind and outcome, and how fast challenges got a first answer: one query.

    The first answer is the first visible comment by someone other than the author.
    """
    from practices.models import Comment, Post

    first_answer = (
        Comment.objects.filter(
            post=OuterRef("pk"), status=Comment.Status.VISIBLE, hidden_at__isnull=True
        )
        .exclude(author=OuterRef("author"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    experience = Q(kind=Post.Kind.EXPERIENCE)
    challenge = Q(kind=Post.Kind.CHALLENGE)
    return (
        Post.objects.filter(
            community=community,
            status=Post.Status.PUBLISHED,
            hidden_at__isnull=True,
            published_at__gte=since,
        )
        .annotate(first_answer_at=Subquery(first_answer))
        .aggregate(
            experiences=Count("pk", filter=experience),
            challenges=Count("pk", filter=challenge),
            worked=Count("pk", filter=experience & Q(outcome=Post.Outcome.WORKED)),
            mixed=Count("pk", filter=experience & Q(outcome=Post.Outcome.MIXED)),
            failed=Count("pk", filter=experience & Q(outcome=Post.Outcome.FAILED)),
            unsaid=Count("pk", filter=experience & Q(outcome="")),
            answered=Count("pk", filter=challenge & Q(first_answer_at__isnull=False)),
            median=Median(
                F("first_answer_at") - F("published_at"),
                filter=challenge,
                output_field=DurationField(),
            ),
        )
    )


def _applied(community: Community, since: datetime) -> dict:
    from practices.models import Reaction

    counts = Reaction.objects.filter(
        post__community=community, kind=Reaction.Kind.APPLIED, created_at__gte=since
    ).aggregate(applied=Count("pk"), applied_posts=Count("post", distinct=True))
    return counts


def _waiting_challenges(community: Community, now: datetime) -> tuple[list, int]:
    """Open challenges (no answer marked helpful) older than 48 hours, oldest first.

    Whatever the period: a challenge from last year still waits. The total comes from
    a window function in the same query as the list.
    """
    from practices.models import Post

    rows = list(
        Post.objects.filter(
            community=community,
            kind=Post.Kind.CHALLENGE,
            status=Post.Status.PUBLISHED,
            hidden_at__isnull=True,
            answered_at__isnull=True,
            published_at__lte=now - WAITING_AFTER,
        )
        .select_related("author")
        .only(*WAITING_FIELDS)
        .annotate(total=Window(Count("pk")))
        .order_by("published_at", "pk")[:WAITING_LIST_SIZE]
    )
    for post in rows:
        post.community = community  # for get_absolute_url, without a query per row
        post.waited = now - post.published_at
    return rows, (rows[0].total if rows else 0)


def _funnel(community: Community, since: datetime) -> list[FunnelStep]:
    """Of the people who joined in the period: how far each got through onboarding."""
    from practices.models import Post

    has_post = Exists(
        Post.objects.filter(
            community=community, author=OuterRef("user_id"), status=Post.Status.PUBLISHED
        )
    )
    counts = (
        Membership.objects.filter(community=community, joined_at__gte=since)
        .annotate(has_post=has_post)
        .aggregate(
            joined=Count("pk"),
            rules=Count("pk", filter=Q(accepted_charter_at__isnull=False)),
            profile=Count("pk", filter=Q(profile_completed_at__isnull=False)),
            intro=Count("pk", filter=Q(introduced_at__isnull=False)),
            posted=Count("pk", filter=Q(has_post=True)),
        )
    )
    steps = [("joined", _("Joined")), ("rules", _("Accepted the rules"))]
    if community.onboarding_profile:
        steps.append(("profile", _("Completed their profile")))
    if community.onboarding_intro:
        steps.append(("intro", _("Introduced themselves")))
    steps.append(("posted", _("Wrote a first post")))
    joined = counts["joined"]
    return [
        FunnelStep(
            key=key,
            label=str(label),
            count=counts[key],
            percent=round(100 * counts[key] / joined) if joined else 0,
        )
        for key, label in steps
    ]
