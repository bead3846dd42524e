"""Each community's new content for a digest run, read once and shared by every recipient.

`CommunityContentCache` fetches the content of many communities in a handful of
queries, whatever the number of communities or members, as plain values (no lazy
queries), so memory stays bounded. What one member may read of it is chosen at
sending time by `members.digests.selection.digest_for`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, QuerySet, Window
from django.db.models.functions import JSONObject, RowNumber
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.text import Truncator

from communities.meetings.selectors import upcoming_in_communities
from communities.models import Community, Membership
from config.links import absolute_url
from practices import bylines
from practices.models import Post, Reaction
from practices.playbook.models import PlaybookPage

# How much of one community's window is read per run; memory stays bounded however
# busy a community is. The email shows fewer (SHOWN_PER_SECTION in `selection`) with a
# link to more.
POSTS_PER_KIND = 30
MEMBERS_PER_COMMUNITY = 20
STORIES_PER_COMMUNITY = 20
PLAYBOOK_PAGES_PER_COMMUNITY = 20
EXCERPT_WORDS = 40


@dataclass(frozen=True, slots=True)
class PostItem:
    id: int
    community_id: int
    kind: str
    title: str
    url: str
    author_id: int
    author_name: str
    published_at: datetime
    outcome: str
    learned: str
    help_wanted: str
    tags: tuple[str, ...]
    tag_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class MemberItem:
    user_id: int
    name: str
    url: str
    joined_at: datetime
    can_help_with: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AppliedItem:
    post_id: int
    post_title: str
    post_url: str
    user_id: int
    user_name: str
    note: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PlaybookItem:
    """A playbook page changed in the window (added, edited or restored)."""

    id: int
    title: str
    url: str
    updated_at: datetime
    author_id: int | None  # who made the latest change: it is no news to them
    is_new: bool


@dataclass(frozen=True)
class CommunityContent:
    """A community's new content in [since, until): plain values, no lazy queries."""

    id: int
    name: str
    url: str
    stage: str
    experiences: tuple[PostItem, ...] = ()
    challenges: tuple[PostItem, ...] = ()  # open (unanswered) challenges only
    new_members: tuple[MemberItem, ...] = ()
    applied: tuple[AppliedItem, ...] = ()
    playbook: tuple[PlaybookItem, ...] = ()

    @property
    def post_ids(self) -> set[int]:
        ids = {p.id for p in self.experiences} | {p.id for p in self.challenges}
        return ids | {a.post_id for a in self.applied}


def _excerpt(text: str) -> str:
    return Truncator(" ".join(text.split())).words(EXCERPT_WORDS)


def _post_item(post: Post, slug: str) -> PostItem:
    tags = list(post.tags.all())
    return PostItem(
        id=post.pk,
        community_id=post.community_id,
        kind=post.kind,
        title=post.title,
        url=absolute_url(reverse("practices:detail", args=[slug, post.pk])),
        author_id=post.author_id,
        author_name=bylines.author_name(post),
        published_at=post.published_at,
        outcome=post.get_outcome_display() if post.outcome else "",
        learned=_excerpt(post.learned),
        help_wanted=_excerpt(post.help_wanted),
        tags=tuple(t.name for t in tags),
        tag_ids=frozenset(t.pk for t in tags),
    )


def _ranked(queryset: QuerySet, *, partition_by: list[F], order_by: list, limit: int) -> QuerySet:
    """At most `limit` rows per partition, newest first, in one query."""
    return queryset.annotate(
        digest_rank=Window(RowNumber(), partition_by=partition_by, order_by=order_by)
    ).filter(digest_rank__lte=limit)


def communities_digest_content(
    community_ids: Iterable[int], since: datetime, until: datetime
) -> dict[int, CommunityContent]:
    """The new content of many communities in five queries, keyed by community id.

    Only published posts that nobody hid are read: a digest never spreads content
    that facilitators took down, not even to those who may still see it on the site.
    """
    ids = list(set(community_ids))
    if not ids:
        return {}
    # The playbook pages changed in the window come with their community, as a JSON
    # array per row: no query of their own.
    changed_pages = (
        PlaybookPage.objects.filter(
            community=OuterRef("pk"), updated_at__gte=since, updated_at__lt=until
        )
        .order_by("-updated_at", "-pk")
        .values(
            json=JSONObject(
                id="pk",
                title="title",
                slug="slug",
                updated_at="updated_at",
                created_at="created_at",
                updated_by="updated_by_id",
            )
        )[:PLAYBOOK_PAGES_PER_COMMUNITY]
    )
    communities = {
        c.pk: c
        for c in Community.objects.filter(pk__in=ids)
        .only("name", "slug", "stage")
        .annotate(playbook_changes=ArraySubquery(changed_pages))
    }
    slugs = {pk: c.slug for pk, c in communities.items()}
    experiences: dict[int, list[PostItem]] = {pk: [] for pk in communities}
    challenges: dict[int, list[PostItem]] = {pk: [] for pk in communities}
    members: dict[int, list[MemberItem]] = {pk: [] for pk in communities}
    stories: dict[int, list[AppliedItem]] = {pk: [] for pk in communities}
    playbook: dict[int, list[PlaybookItem]] = {pk: [] for pk in communities}

    posts = _ranked(
        Post.objects.published()
        .filter(
            community_id__in=communities,
            hidden_at__isnull=True,
            published_at__gte=since,
            published_at__lt=until,
        )
        .exclude(kind=Post.Kind.CHALLENGE, answered_at__isnull=False),
        partition_by=[F("community_id"), F("kind")],
        order_by=[F("published_at").desc(), F("pk").desc()],
        limit=POSTS_PER_KIND,
    )
    posts = posts.select_related("author").prefetch_related("tags").order_by("-published_at")
    for post in posts:
        target = challenges if post.kind == Post.Kind.CHALLENGE else experiences
        target[post.community_id].append(_post_item(post, slugs[post.community_id]))

    joined = _ranked(
        Membership.objects.active().filter(
            community_id__in=communities, joined_at__gte=since, joined_at__lt=until
        ),
        partition_by=[F("community_id")],
        order_by=[F("joined_at").desc(), F("pk").desc()],
        limit=MEMBERS_PER_COMMUNITY,
    )
    joined = joined.select_related("user").prefetch_related("can_help_with").order_by("joined_at")
    for membership in joined:
        members[membership.community_id].append(
            MemberItem(
                user_id=membership.user_id,
                name=membership.user.display_name,
                url=absolute_url(reverse("members:profile", args=[membership.user_id])),
                joined_at=membership.joined_at,
                can_help_with=tuple(t.name for t in membership.can_help_with.all()),
            )
        )

    applied = _ranked(
        Reaction.objects.filter(
            kind=Reaction.Kind.APPLIED,
            post__community_id__in=communities,
            post__status=Post.Status.PUBLISHED,
            post__hidden_at__isnull=True,
            created_at__gte=since,
            created_at__lt=until,
        ).exclude(note=""),
        partition_by=[F("post__community_id")],
        order_by=[F("created_at").desc(), F("pk").desc()],
        limit=STORIES_PER_COMMUNITY,
    )
    applied = applied.select_related("user", "post").order_by("-created_at")
    for reaction in applied:
        post = reaction.post
        stories[post.community_id].append(
            AppliedItem(
                post_id=post.pk,
                post_title=post.title,
                post_url=absolute_url(
                    reverse("practices:detail", args=[slugs[post.community_id], post.pk])
                ),
                user_id=reaction.user_id,
                user_name=reaction.user.display_name,
                note=reaction.note,
                created_at=reaction.created_at,
            )
        )

    for community in communities.values():
        for row in community.playbook_changes:
            playbook[community.pk].append(
                PlaybookItem(
                    id=row["id"],
                    title=row["title"],
                    url=absolute_url(reverse("playbook:page", args=[community.slug, row["slug"]])),
                    updated_at=parse_datetime(row["updated_at"]),
                    author_id=row["updated_by"],
                    is_new=parse_datetime(row["created_at"]) >= since,
                )
            )

    return {
        pk: CommunityContent(
            id=pk,
            name=community.name,
            url=absolute_url(community.get_absolute_url()),
            stage=community.stage,
            experiences=tuple(experiences[pk]),
            challenges=tuple(challenges[pk]),
            new_members=tuple(members[pk]),
            applied=tuple(stories[pk]),
            playbook=tuple(playbook[pk]),
        )
        for pk, community in communities.items()
    }


def community_digest_content(
    community: Community, since: datetime, until: datetime
) -> CommunityContent:
    """One community's new experiences, open challenges, new members, "I applied
    this" stories and changed playbook pages in [since, until)."""
    return communities_digest_content([community.pk], since, until)[community.pk]


class CommunityContentCache:
    """Community content for one run: each community is read at most once, however
    many of its members the run sends to. Misses are fetched together."""

    def __init__(self, since: datetime, until: datetime) -> None:
        self.since = since
        self.until = until
        self._content: dict[int, CommunityContent] = {}
        self._meetings: dict[int, list] = {}
        self.fetches = 0
        # Rendered community sections of this run, shared by the members who get the
        # same items in the same language (`rendering.render_digest`).
        self.fragments: dict[tuple, tuple[str, str]] = {}

    def get_many(self, community_ids: Iterable[int]) -> dict[int, CommunityContent]:
        wanted = set(community_ids)
        missing = wanted - self._content.keys()
        if missing:
            self.fetches += 1
            self._content.update(communities_digest_content(missing, self.since, self.until))
        return {pk: self._content[pk] for pk in wanted if pk in self._content}

    def upcoming_meetings(self, community_ids: Iterable[int], *, limit: int = 5) -> list:
        """The next meetings in these communities; each community is read once a run."""
        wanted = set(community_ids)
        missing = wanted - self._meetings.keys()
        if missing:
            for pk in missing:
                self._meetings[pk] = []
            for meeting in upcoming_in_communities(missing, self.until):
                self._meetings[meeting.community_id].append(meeting)
        found = [m for pk in wanted for m in self._meetings.get(pk, [])]
        return sorted(found, key=lambda m: (m.starts_at, m.pk))[:limit]

    def prefetch(self, community_ids: Iterable[int]) -> None:
        self.get_many(community_ids)


# Each worker process keeps the content of the run it is sending: batches of one run
# share its `until`, so each community is read once a run, not once a batch.
RUN_LOOKBACK = timedelta(days=28)  # the longest a digest covers (schedule.MAX_LOOKBACK)
_runs: dict[datetime, CommunityContentCache] = {}


def run_content(until: datetime) -> CommunityContentCache:
    """The content cache of the run that ends at `until`, shared by its batches in this
    process. It covers the longest window a digest can have: each community's newest
    items of four weeks, of which every member is shown those since their own last
    digest (the newest of a shorter window are among the newest of the longer one).
    Only the latest run is kept, so memory stays bounded."""
    cache = _runs.get(until)
    if cache is None:
        _runs.clear()
        cache = _runs[until] = CommunityContentCache(until - RUN_LOOKBACK, until)
    return cache
