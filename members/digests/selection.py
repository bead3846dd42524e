"""One member's digest: what they may read of the shared content, chosen at send time.

`digest_for` is the same code path for sending, the dry run and the /me/digest/
preview: the member's communities through `Community.objects.readable_by`, posts
through `Post.objects.visible_to`, notifications through `with_visibility`, all
evaluated now with the member's current permissions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from communities.models import Community, Membership
from config.links import absolute_url
from practices.models import Post

from ..models import Notification, User
from ..notifications.selectors import with_visibility
from .content import AppliedItem, CommunityContent, CommunityContentCache, MemberItem, PostItem

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

    Communities come from the member's active memberships, narrowed by
    `Community.objects.readable_by(user)` and posts by `Post.objects.visible_to(user)`,
    both evaluated now, so someone removed from a members-only community after the
    run was scheduled gets nothing from it. Communities the member left out of their
    digest and archived ones are skipped. "You could help" comes first: new open
    challenges tagged with what the member said they can help with in that community.
    """
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
                url=absolute_url(notification.url) if notification.url else "",
                created_at=notification.created_at,
            )
        )
    digest.notifications = digest.notifications[:SHOWN_NOTIFICATIONS]
    if not digest.is_empty:
        digest.upcoming_meetings = communities_content.upcoming_meetings(help_tags.keys())
    return digest
