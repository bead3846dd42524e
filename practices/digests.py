"""What goes into a member's digest email: each community's new content, read once per
run, then filtered for one recipient with their permissions at the time of sending.

`CommunityContentCache` fetches the content of many communities in a handful of
queries, whatever the number of communities or members; `digest_for` picks from it
what one member may read and wants to hear about. Delivery (periods, claiming,
sending) lives in `members.digests`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.text import Truncator

from communities.models import Community, Membership
from config.links import absolute_url

from .models import Post, Reaction

# How much of one community's window is read per run; memory stays bounded however
# busy a community is. The email shows fewer (SHOWN_PER_SECTION) with a link to more.
POSTS_PER_KIND = 30
MEMBERS_PER_COMMUNITY = 20
STORIES_PER_COMMUNITY = 20
SHOWN_PER_SECTION = 5
SHOWN_HELP = 5
SHOWN_NOTIFICATIONS = 20
EXCERPT_WORDS = 40


# --- One community's content, shared by every recipient ------------------------------


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

    @property
    def post_ids(self) -> set[int]:
        ids = {p.id for p in self.experiences} | {p.id for p in self.challenges}
        return ids | {a.post_id for a in self.applied}


def _absolute(path: str) -> str:
    return absolute_url(path)


def _excerpt(text: str) -> str:
    return Truncator(" ".join(text.split())).words(EXCERPT_WORDS)


def _post_item(post: Post, slug: str) -> PostItem:
    tags = list(post.tags.all())
    return PostItem(
        id=post.pk,
        community_id=post.community_id,
        kind=post.kind,
        title=post.title,
        url=_absolute(reverse("practices:detail", args=[slug, post.pk])),
        author_id=post.author_id,
        author_name=post.author.display_name,
        published_at=post.published_at,
        outcome=post.get_outcome_display() if post.outcome else "",
        learned=_excerpt(post.learned),
        help_wanted=_excerpt(post.help_wanted),
        tags=tuple(t.name for t in tags),
        tag_ids=frozenset(t.pk for t in tags),
    )


def _ranked(queryset, *, partition_by, order_by, limit: int):
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
    communities = {
        c.pk: c for c in Community.objects.filter(pk__in=ids).only("name", "slug", "stage")
    }
    slugs = {pk: c.slug for pk, c in communities.items()}
    experiences: dict[int, list[PostItem]] = {pk: [] for pk in communities}
    challenges: dict[int, list[PostItem]] = {pk: [] for pk in communities}
    members: dict[int, list[MemberItem]] = {pk: [] for pk in communities}
    stories: dict[int, list[AppliedItem]] = {pk: [] for pk in communities}

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
                url=_absolute(reverse("members:profile", args=[membership.user_id])),
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
                post_url=_absolute(
                    reverse("practices:detail", args=[slugs[post.community_id], post.pk])
                ),
                user_id=reaction.user_id,
                user_name=reaction.user.display_name,
                note=reaction.note,
                created_at=reaction.created_at,
            )
        )

    return {
        pk: CommunityContent(
            id=pk,
            name=community.name,
            url=_absolute(community.get_absolute_url()),
            stage=community.stage,
            experiences=tuple(experiences[pk]),
            challenges=tuple(challenges[pk]),
            new_members=tuple(members[pk]),
            applied=tuple(stories[pk]),
        )
        for pk, community in communities.items()
    }


def community_digest_content(
    community: Community, since: datetime, until: datetime
) -> CommunityContent:
    """One community's new experiences, open challenges, new members and "I applied
    this" stories in [since, until)."""
    return communities_digest_content([community.pk], since, until)[community.pk]


class CommunityContentCache:
    """Community content for one run: each community is read at most once, however
    many of its members the run sends to. Misses are fetched together."""

    def __init__(self, since: datetime, until: datetime):
        self.since = since
        self.until = until
        self._content: dict[int, CommunityContent] = {}
        self.fetches = 0

    def get_many(self, community_ids: Iterable[int]) -> dict[int, CommunityContent]:
        wanted = set(community_ids)
        missing = wanted - self._content.keys()
        if missing:
            self.fetches += 1
            self._content.update(communities_digest_content(missing, self.since, self.until))
        return {pk: self._content[pk] for pk in wanted if pk in self._content}

    def prefetch(self, community_ids: Iterable[int]) -> None:
        self.get_many(community_ids)


# --- One member's digest ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HelpItem:
    post: PostItem
    community_name: str
    matched: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NotificationItem:
    id: int
    kind: str
    label: str
    summary: str
    url: str
    created_at: datetime


@dataclass
class CommunitySection:
    community: CommunityContent
    experiences: list[PostItem] = field(default_factory=list)
    open_challenges: list[PostItem] = field(default_factory=list)
    new_members: list[MemberItem] = field(default_factory=list)
    applied: list[AppliedItem] = field(default_factory=list)
    more: int = 0  # items left out of the email for length

    @property
    def item_count(self) -> int:
        shown = (
            len(self.experiences)
            + len(self.open_challenges)
            + len(self.new_members)
            + len(self.applied)
        )
        return shown + self.more


@dataclass
class Digest:
    """What one member's digest contains; empty digests are not sent."""

    since: datetime
    you_could_help: list[HelpItem] = field(default_factory=list)
    notifications: list[NotificationItem] = field(default_factory=list)
    sections: list[CommunitySection] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return (
            len(self.you_could_help)
            + len(self.notifications)
            + sum(s.item_count for s in self.sections)
        )

    @property
    def is_empty(self) -> bool:
        return self.item_count == 0

    @property
    def community_names(self) -> list[str]:
        names = [s.community.name for s in self.sections]
        for item in self.you_could_help:
            if item.community_name not in names:
                names.append(item.community_name)
        return names

    @property
    def notification_ids(self) -> list[int]:
        return [n.id for n in self.notifications]


def _shown(items: list, limit: int = SHOWN_PER_SECTION) -> tuple[list, int]:
    return items[:limit], max(0, len(items) - limit)


def digest_for(user, communities_content: CommunityContentCache, since: datetime) -> Digest:
    """The digest `user` gets now: content they may read at this moment, since `since`.

    Communities come from the member's active memberships, narrowed by
    `Community.objects.readable_by(user)` and posts by `Post.objects.visible_to(user)`,
    both evaluated now, so someone removed from a members-only community after the
    run was scheduled gets nothing from it. Communities the member left out of their
    digest and archived ones are skipped. "You could help" comes first: new open
    challenges tagged with what the member said they can help with in that community.
    """
    from members.models import Notification
    from members.notifications import with_visibility

    digest = Digest(since=since)
    # One query: the member's communities that still qualify now, with the tags they
    # said they can help with there (one row per tag).
    rows = (
        Membership.objects.active()
        .filter(
            user=user,
            digest_opt_out=False,
            community__in=Community.objects.active_for_email().readable_by(user),
        )
        .values_list("community_id", "can_help_with__id", "can_help_with__name")
    )
    help_tags: dict[int, dict[int, str]] = {}
    for community_id, tag_id, tag_name in rows:
        tags = help_tags.setdefault(community_id, {})
        if tag_id is not None:
            tags[tag_id] = tag_name
    content = communities_content.get_many(help_tags)

    # Checked like the immediate emails: a comment hidden since is left out too.
    notifications = list(
        with_visibility(
            Notification.objects.filter(
                recipient=user,
                email_status=Notification.EmailStatus.DIGEST,
                emailed_at__isnull=True,
                read_at__isnull=True,
                created_at__gte=since,
            ),
            user,
        )
        .filter(can_see=True)
        .order_by("created_at", "pk")[: SHOWN_NOTIFICATIONS * 2]
    )

    candidate_posts = set().union(*(c.post_ids for c in content.values()))
    candidate_posts |= {n.post_id for n in notifications if n.post_id}
    visible = set()
    if candidate_posts:
        visible = set(
            Post.objects.visible_to(user)
            .filter(pk__in=candidate_posts)
            .values_list("pk", flat=True)
        )

    def new(items, stamp: str):
        return [
            i
            for i in items
            if getattr(i, stamp) >= since
            and getattr(i, "author_id", None) != user.pk
            and getattr(i, "user_id", None) != user.pk
        ]

    for community_id, can_help in help_tags.items():
        community = content.get(community_id)
        if community is None:
            continue
        challenges = [p for p in new(community.challenges, "published_at") if p.id in visible]
        helpable = [p for p in challenges if p.tag_ids & can_help.keys()]
        for post in helpable:
            matched = tuple(sorted(can_help[t] for t in post.tag_ids & can_help.keys()))
            digest.you_could_help.append(HelpItem(post, community.name, matched))
        helpable_ids = {p.id for p in helpable}

        section = CommunitySection(community=community)
        more = 0
        section.experiences, extra = _shown(
            [p for p in new(community.experiences, "published_at") if p.id in visible]
        )
        more += extra
        section.open_challenges, extra = _shown([p for p in challenges if p.id not in helpable_ids])
        more += extra
        section.new_members, extra = _shown(new(community.new_members, "joined_at"))
        more += extra
        section.applied, extra = _shown(
            [a for a in new(community.applied, "created_at") if a.post_id in visible]
        )
        section.more = more + extra
        if section.item_count:
            digest.sections.append(section)

    digest.you_could_help.sort(key=lambda h: h.post.published_at, reverse=True)
    digest.you_could_help = digest.you_could_help[:SHOWN_HELP]
    # Busiest communities first; equal ones by name.
    digest.sections.sort(key=lambda s: (-s.item_count, s.community.name.lower()))

    for notification in notifications:
        if notification.post_id and notification.post_id not in visible:
            continue
        digest.notifications.append(
            NotificationItem(
                id=notification.pk,
                kind=notification.kind,
                label=notification.get_kind_display(),
                summary=notification.summary,
                url=_absolute(notification.url) if notification.url else "",
                created_at=notification.created_at,
            )
        )
    digest.notifications = digest.notifications[:SHOWN_NOTIFICATIONS]
    return digest
