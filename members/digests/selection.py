"""One member's digest: what they may read of the shared content, chosen at send time.

`digests_for` is the same code path for sending a batch, the dry run and (through
`digest_for`, a batch of one) the /me/digest/ preview: the members' communities
through `Community.objects.readable_by`, posts through `Post.objects.visible_to`,
notifications through `with_visibility`, all evaluated now with each member's current
permissions, in a handful of queries per batch whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import BooleanField, ExpressionWrapper, F, IntegerField, Q, Value
from django.utils.text import capfirst

from communities.models import Community, Membership
from config.links import absolute_url
from config.privilege import is_privileged
from practices.bylines import UNNAMED_AUTHOR
from practices.models import Post

from ..models import Notification, User
from ..notifications.selectors import with_visibility
from ..notifications.wording import excerpt, sentence
from .content import (
    AppliedItem,
    CommunityContent,
    CommunityContentCache,
    MemberItem,
    PlaybookItem,
    PostItem,
)

SHOWN_PER_SECTION = 5
SHOWN_HELP = 5
SHOWN_NOTIFICATIONS = 20


@dataclass(frozen=True, slots=True)
class HelpItem:
    post: PostItem
    community_name: str
    matched: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NotificationItem:
    """One entry of "For you": who did what on which post, read with the batch."""

    id: int
    kind: str
    label: str
    summary: str
    url: str
    created_at: datetime
    actor_name: str = ""
    # The actor is the author of a post shared without name, acting on that post.
    actor_unnamed: bool = False
    post_title: str = ""
    community_name: str = ""
    to_post_author: bool = False
    excerpt: str = ""

    @property
    def headline(self) -> str:
        """The sentence, in the language active when the email is rendered."""
        return sentence(
            self.kind,
            actor=capfirst(str(UNNAMED_AUTHOR)) if self.actor_unnamed else self.actor_name,
            title=self.post_title,
            community=self.community_name,
            to_post_author=self.to_post_author,
            summary=self.summary,
        )


@dataclass
class CommunitySection:
    community: CommunityContent
    experiences: list[PostItem] = field(default_factory=list)
    open_challenges: list[PostItem] = field(default_factory=list)
    new_members: list[MemberItem] = field(default_factory=list)
    applied: list[AppliedItem] = field(default_factory=list)
    playbook: list[PlaybookItem] = field(default_factory=list)
    more: int = 0  # items left out of the email for length

    @property
    def item_count(self) -> int:
        shown = (
            len(self.experiences)
            + len(self.open_challenges)
            + len(self.new_members)
            + len(self.applied)
            + len(self.playbook)
        )
        return shown + self.more


@dataclass
class Digest:
    """What one member's digest contains; empty digests are not sent."""

    since: datetime
    you_could_help: list[HelpItem] = field(default_factory=list)
    notifications: list[NotificationItem] = field(default_factory=list)
    sections: list[CommunitySection] = field(default_factory=list)
    # What is coming next in the member's communities: shown, never a reason to send.
    upcoming_meetings: list = field(default_factory=list)

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


def digest_for(user: User, communities_content: CommunityContentCache, since: datetime) -> Digest:
    """The digest `user` gets now: content they may read at this moment, since `since`.

    The same code path as a whole batch (`digests_for`), for one member.
    """
    return digests_for([user], communities_content, {user.pk: since})[user.pk]


def digests_for(
    users: list[User], communities_content: CommunityContentCache, sinces: dict[int, datetime]
) -> dict[int, Digest]:
    """The digest each of `users` gets now, keyed by user id: what they may read at this
    moment, since their `sinces` entry, in a handful of queries for the whole batch.

    Communities come from the members' active memberships in launched communities
    they did not leave out of their digest. Whether a member may read a community and
    its posts is decided by the doors, `Community.objects.readable_by` and
    `Post.objects.visible_to`, evaluated now (see `_batch_visibility`), so someone
    removed from a members-only community after the run was scheduled gets nothing
    from it. Notifications are checked with `with_visibility`, member by member, in one
    query, which also brings who acted and the post's title for the "For you" sentences.
    "You could help" comes first: new open challenges tagged with what the
    member said they can help with in that community.
    """
    if not users:
        return {}
    seats = _seats([u.pk for u in users])
    content = communities_content.get_many({c for s in seats.values() for c in s})
    readable, visible = _batch_visibility(users, seats, content)
    notifications = _batch_notifications(users, sinces)
    digests = {}
    for user in users:
        mine = {c: seat for c, seat in seats.get(user.pk, {}).items() if (user.pk, c) in readable}
        digests[user.pk] = _assemble(
            user,
            sinces[user.pk],
            {c: content[c] for c in mine if c in content},
            {c: seat.help_tags for c, seat in mine.items()},
            visible,
            notifications.get(user.pk, []),
        )
    for user in users:
        digest = digests[user.pk]
        if not digest.is_empty:
            digest.upcoming_meetings = communities_content.upcoming_meetings(
                c for c in seats.get(user.pk, {}) if (user.pk, c) in readable
            )
    return digests


@dataclass(frozen=True, slots=True)
class _Seat:
    """One member's active membership in a community their digest covers."""

    role: str
    help_tags: dict[int, str]


def _seats(user_ids: list[int]) -> dict[int, dict[int, _Seat]]:
    """Each member's digest communities with their role and the tags they can help with
    there, in one query (one row per membership and tag)."""
    rows = (
        Membership.objects.active()
        .filter(
            user_id__in=user_ids,
            digest_opt_out=False,
            community__in=Community.objects.active_for_email(),
        )
        .values_list("user_id", "community_id", "role", "can_help_with__id", "can_help_with__name")
    )
    seats: dict[int, dict[int, _Seat]] = {}
    for user_id, community_id, role, tag_id, tag_name in rows:
        seat = seats.setdefault(user_id, {}).setdefault(community_id, _Seat(role, {}))
        if tag_id is not None:
            seat.help_tags[tag_id] = tag_name
    return seats


def _batch_visibility(
    users: list[User], seats: dict[int, dict[int, _Seat]], content: dict[int, CommunityContent]
) -> tuple[set[tuple[int, int]], dict[int, set[int]]]:
    """Which (member, community) pairs may be read now, and which of the content's
    posts each member may see, for a whole batch in one query through the doors.

    What `readable_by` and `visible_to` decide about a community and its not-hidden
    posts depends only on the person's active membership there (its role) and on
    whether they act with staff privileges. Members alike in that are alike for the
    door, so one of them stands for all: the door runs once per distinct (community,
    role, privilege) in the batch, a handful of rows however many members. Posts
    hidden since the content was read are left out for everyone (as `content` does),
    which also keeps an author's own view of their hidden post from standing for others.
    """
    stand_in: dict[tuple[int, str, bool], User] = {}
    covers: dict[int, tuple[User, set[int]]] = {}
    for user in users:
        privileged = is_privileged(user)
        for community_id, seat in seats.get(user.pk, {}).items():
            key = (community_id, seat.role, privileged)
            if key not in stand_in:
                stand_in[key] = user
                covers.setdefault(user.pk, (user, set()))[1].add(community_id)
    if not covers:
        return set(), {}
    queries = []
    for rep, community_ids in covers.values():
        marker = Value(rep.pk, output_field=IntegerField())
        queries.append(
            Community.objects.active_for_email()
            .readable_by(rep)
            .filter(pk__in=community_ids)
            .annotate(stand_in=marker, what=Value("c"))
            .values_list("pk", "stand_in", "what")
        )
        posts = {p for c in community_ids if c in content for p in content[c].post_ids}
        if posts:
            queries.append(
                Post.objects.visible_to(rep)
                .filter(pk__in=posts, hidden_at__isnull=True)
                .annotate(stand_in=marker, what=Value("p"))
                .values_list("pk", "stand_in", "what")
            )
    readable_by_rep: set[tuple[int, int]] = set()
    visible_by_rep: dict[int, set[int]] = {}
    for pk, rep_pk, what in queries[0].union(*queries[1:], all=True):
        if what == "c":
            readable_by_rep.add((rep_pk, pk))
        else:
            visible_by_rep.setdefault(rep_pk, set()).add(pk)
    readable: set[tuple[int, int]] = set()
    visible: dict[int, set[int]] = {}
    for user in users:
        privileged = is_privileged(user)
        for community_id, seat in seats.get(user.pk, {}).items():
            rep = stand_in[(community_id, seat.role, privileged)]
            if (rep.pk, community_id) in readable_by_rep:
                readable.add((user.pk, community_id))
                posts = content[community_id].post_ids if community_id in content else set()
                visible.setdefault(user.pk, set()).update(posts & visible_by_rep.get(rep.pk, set()))
    return readable, visible


def _batch_notifications(
    users: list[User], sinces: dict[int, datetime]
) -> dict[int, list[Notification]]:
    """Each member's notifications waiting for their digest that they may still see,
    checked like the immediate emails (a comment hidden since is left out too): one
    query to find who has any, one for theirs, each member's through `with_visibility`.

    The same query brings what the sentence names: the actor's display name (the name
    a byline shows), the post's title and community's name, only for rows that passed
    the check, so nothing is read about what the member may not see."""
    waiting = Notification.objects.filter(
        email_status=Notification.EmailStatus.DIGEST,
        emailed_at__isnull=True,
        read_at__isnull=True,
    )
    who = set(
        waiting.filter(recipient_id__in=[u.pk for u in users], created_at__gte=min(sinces.values()))
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    queries = [
        with_visibility(waiting.filter(recipient=user, created_at__gte=sinces[user.pk]), user)
        .filter(can_see=True)
        .annotate(
            actor_name=F("actor__display_name"),
            actor_unnamed=ExpressionWrapper(
                Q(post__shared_without_name=True, actor_id=F("post__author_id")),
                output_field=BooleanField(),
            ),
            post_title=F("post__title"),
            community_name=F("community__name"),
            to_post_author=ExpressionWrapper(
                Q(post__author_id=F("recipient_id")), output_field=BooleanField()
            ),
        )
        .order_by("created_at", "pk")[: SHOWN_NOTIFICATIONS * 2]
        for user in users
        if user.pk in who
    ]
    found: dict[int, list[Notification]] = {}
    if not queries:
        return found
    combined = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    for notification in combined:
        found.setdefault(notification.recipient_id, []).append(notification)
    for items in found.values():
        items.sort(key=lambda n: (n.created_at, n.pk))
    return found


def _assemble(
    user: User,
    since: datetime,
    content: dict[int, CommunityContent],
    help_tags: dict[int, dict[int, str]],
    visible: dict[int, set[int]],
    notifications: list[Notification],
) -> Digest:
    """One member's digest from what the batch decided they may read: no queries."""
    digest = Digest(since=since)
    seen = visible.get(user.pk, set())

    def new(items: tuple, stamp: str) -> list:
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
        challenges = [p for p in new(community.challenges, "published_at") if p.id in seen]
        helpable = [p for p in challenges if p.tag_ids & can_help.keys()]
        for post in helpable:
            matched = tuple(sorted(can_help[t] for t in post.tag_ids & can_help.keys()))
            digest.you_could_help.append(HelpItem(post, community.name, matched))
        helpable_ids = {p.id for p in helpable}

        section = CommunitySection(community=community)
        more = 0
        section.experiences, extra = _shown(
            [p for p in new(community.experiences, "published_at") if p.id in seen]
        )
        more += extra
        section.open_challenges, extra = _shown([p for p in challenges if p.id not in helpable_ids])
        more += extra
        section.new_members, extra = _shown(new(community.new_members, "joined_at"))
        more += extra
        section.applied, extra = _shown(
            [a for a in new(community.applied, "created_at") if a.post_id in seen]
        )
        more += extra
        # Playbook pages are read through the community's door, already passed here.
        section.playbook, extra = _shown(new(community.playbook, "updated_at"))
        section.more = more + extra
        if section.item_count:
            digest.sections.append(section)

    digest.you_could_help.sort(key=lambda h: h.post.published_at, reverse=True)
    digest.you_could_help = digest.you_could_help[:SHOWN_HELP]
    # Busiest communities first; equal ones by name.
    digest.sections.sort(key=lambda s: (-s.item_count, s.community.name.lower()))

    for notification in notifications[:SHOWN_NOTIFICATIONS]:
        digest.notifications.append(
            NotificationItem(
                id=notification.pk,
                kind=notification.kind,
                label=notification.get_kind_display(),
                summary=notification.summary,
                url=absolute_url(notification.url) if notification.url else "",
                created_at=notification.created_at,
                actor_name="" if notification.actor_unnamed else notification.actor_name or "",
                actor_unnamed=bool(notification.actor_unnamed),
                post_title=notification.post_title or "",
                community_name=notification.community_name or "",
                to_post_author=bool(notification.to_post_author),
                excerpt=excerpt(notification),
            )
        )
    return digest
