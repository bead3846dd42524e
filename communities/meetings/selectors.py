"""Reads for meeting pages, the digest and the health dashboard, built on the scoped
querysets (Meeting.objects.visible_to and the communities' readable_by)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import Insight, Meeting, Rsvp

if TYPE_CHECKING:
    from communities.models import Community
    from members.models import User


def community_meetings(community: Community, *, upcoming: int, past: int) -> tuple[list, list]:
    """A community's next `upcoming` and last `past` meetings (two indexed queries)."""
    now = timezone.now()
    base = Meeting.objects.filter(community=community).with_list_related()
    return list(base.upcoming(now)[:upcoming]), list(base.past(now)[:past])


def rsvp_statuses(user: User, meeting_ids: Iterable[int]) -> dict[int, str]:
    """The viewer's answer per meeting, in one query."""
    if not user.is_authenticated:
        return {}
    return dict(
        Rsvp.objects.filter(user=user, meeting_id__in=list(meeting_ids)).values_list(
            "meeting_id", "status"
        )
    )


def meeting_attendees(meeting: Meeting) -> dict[str, list]:
    """Who answered what, the waiting list in its order."""
    groups: dict[str, list] = {"going": [], "waiting": [], "maybe": []}
    rsvps = (
        Rsvp.objects.filter(meeting=meeting, status__in=groups)
        .select_related("user")
        .only(
            "status",
            "waiting_since",
            "responded_at",
            "user__display_name",
            "user__avatar",
            "user__email",
        )
        .order_by("waiting_since", "responded_at", "pk")
    )
    for rsvp in rsvps:
        groups[rsvp.status].append(rsvp.user)
    return groups


def meeting_outcomes(meeting: Meeting, user: User) -> list:
    """The posts that came out of a meeting, as far as `user` may read them."""
    from practices.models import Post

    post_ids = Insight.objects.filter(
        meeting=meeting, status=Insight.Status.PUBLISHED, post__isnull=False
    ).values("post_id")
    return list(
        Post.objects.visible_to(user)
        .filter(pk__in=post_ids)
        .select_related("author")
        .only(
            "pk",
            "title",
            "kind",
            "community_id",
            "shared_without_name",
            "author__display_name",
            "published_at",
        )
        .order_by("published_at")
    )


def my_meetings(user: User, *, limit: int, now: datetime | None = None) -> list[Meeting]:
    """`user`'s upcoming meetings across communities."""
    return list(Meeting.objects.for_member(user).upcoming(now).with_list_related()[:limit])


def upcoming_meetings_for(
    user: User, communities: Iterable, now: datetime, *, limit: int = 5
) -> list[Meeting]:
    """For the digest: what is coming next in `communities` that `user` may see now,
    scheduled ones only, soonest first."""
    return list(
        Meeting.objects.visible_to(user)
        .scheduled()
        .filter(community__in=list(communities), starts_at__gte=now)
        .with_list_related()
        .order_by("starts_at", "pk")[:limit]
    )


def upcoming_in_communities(
    community_ids: Iterable[int], now: datetime, *, horizon: timedelta = timedelta(days=31)
) -> list[Meeting]:
    """Scheduled meetings starting in the next month in these communities, soonest first:
    read once per digest run and shown to readers of each community (meetings are
    visible to whoever may read their community's content)."""
    return list(
        Meeting.objects.scheduled()
        .filter(
            community_id__in=list(community_ids),
            starts_at__gte=now,
            starts_at__lt=now + horizon,
        )
        .with_list_related()
        .order_by("starts_at", "pk")
    )


def next_meetings(community: Community, *, limit: int = 3) -> list[Meeting]:
    """For a community's home page: the next scheduled meetings."""
    return list(
        Meeting.objects.filter(community=community)
        .scheduled()
        .upcoming()
        .with_list_related()[:limit]
    )


def attendance_by_month(community: Community, *, since: datetime) -> list[dict]:
    """Past meetings per month with how many people said yes (going) in total."""
    rows = (
        Meeting.objects.filter(
            community=community,
            status=Meeting.Status.SCHEDULED,
            starts_at__gte=since,
            ends_at__lte=timezone.now(),
        )
        .annotate(month=TruncMonth("starts_at"))
        .values("month")
        .annotate(
            meetings=Count("pk", distinct=True),
            going=Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.GOING)),
        )
        .order_by("month")
    )
    return list(rows)


def harvested_posts(community: Community, user: User, *, limit: int = 5) -> list:
    """For lessons and digests: recent posts that came out of this community's meetings."""
    from practices.models import Post

    return list(
        Post.objects.visible_to(user)
        .filter(community=community, meeting_insight__isnull=False)
        .select_related("meeting_insight__meeting")
        .order_by("-published_at")[:limit]
    )
