"""Reads of posts and comments, always scoped through the communities' one door."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from config.privilege import is_privileged

if TYPE_CHECKING:
    from communities.models import Community, Membership
    from members.models import User

    from .models import Post

# Orderings of a community's feed. Each ends with a unique column so that keyset
# ("older posts") pagination is exact; the first two match the partial indexes on
# (community, -published_at) and (community, -last_activity_at).
FEED_SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-published_at", "-pk"),
    "active": ("-last_activity_at", "-pk"),
    "helpful": ("-helpful_count", "-published_at", "-pk"),
}
DEFAULT_FEED_SORT = "newest"

# What a post list item shows (practices/includes/post_list_item.html) and what keyset
# pagination reads: list pages never load the Markdown sources, the comment text kept
# for search, the search vector, or any author column beyond the name.
LIST_COLUMNS = (
    "id",
    "community_id",
    "author_id",
    "kind",
    "status",
    "title",
    "outcome",
    "is_pinned",
    "hidden_at",
    "answered_at",
    "comment_count",
    "helpful_count",
    "applied_count",
    "excerpt",
    "published_at",
    "last_activity_at",
    "shared_without_name",
    "community__id",
    "community__slug",
    "community__name",
    "author__id",
    "author__display_name",
)


class PostQuerySet(models.QuerySet):
    def published(self) -> PostQuerySet:
        return self.filter(status=self.model.Status.PUBLISHED)

    def visible_to(self, user: User) -> PostQuerySet:
        """Published posts `user` may read: in a community whose content they can read,
        not hidden by facilitators (authors and the community's facilitators still see
        hidden posts, marked as such)."""
        from communities.models import Community

        readable = Community.objects.readable_by(user)
        qs = self.filter(status=self.model.Status.PUBLISHED, community__in=readable)
        if not user.is_authenticated:
            return qs.filter(hidden_at__isnull=True)
        if is_privileged(user):
            return qs
        facilitated = Community.objects.facilitated_by(user).values("pk")
        return qs.filter(Q(hidden_at__isnull=True) | Q(author=user) | Q(community__in=facilitated))

    def visible_in(
        self, community: Community, user: User, membership: Membership | None
    ) -> PostQuerySet:
        """`visible_to(user)` within one community that the door already opened for
        reading (`access_community(user, slug, to="read")`), using the membership it
        returned: the same rule, without rebuilding the scoped subqueries per query."""
        qs = self.filter(community=community, status=self.model.Status.PUBLISHED)
        if not user.is_authenticated:
            return qs.filter(hidden_at__isnull=True)
        if is_privileged(user) or (membership is not None and membership.is_facilitator):
            return qs
        return qs.filter(Q(hidden_at__isnull=True) | Q(author=user))

    def _own_in_readable(self, user: User) -> PostQuerySet:
        """`user`'s posts in communities whose content they may still read: a banned or
        removed author keeps no door into a hidden community through their drafts."""
        from communities.models import Community

        return self.filter(author=user, community__in=Community.objects.readable_by(user))

    def drafts_of(self, user: User) -> PostQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self._own_in_readable(user).filter(status=self.model.Status.DRAFT)

    def pending_of(self, user: User) -> PostQuerySet:
        """`user`'s posts that wait for a facilitator's approval (pre-moderation)."""
        if not user.is_authenticated:
            return self.none()
        return self._own_in_readable(user).filter(status=self.model.Status.PENDING)

    def pending_visible_to(self, user: User) -> PostQuerySet:
        """Posts waiting for approval that `user` may open: their own, and those waiting
        in a community they facilitate (or any, for staff)."""
        from communities.models import Community

        if not user.is_authenticated:
            return self.none()
        qs = self.filter(status=self.model.Status.PENDING)
        if is_privileged(user):
            return qs
        facilitated = Community.objects.facilitated_by(user).values("pk")
        readable = Community.objects.readable_by(user).values("pk")
        return qs.filter(Q(author=user, community__in=readable) | Q(community__in=facilitated))

    def seed_experiences(self, community: Community) -> PostQuerySet:
        """Published experiences in `community`: the launch checklist wants at least one."""
        return self.filter(
            community=community,
            kind=self.model.Kind.EXPERIENCE,
            status=self.model.Status.PUBLISHED,
        )

    def with_list_related(self) -> PostQuerySet:
        return self.select_related("community", "author").prefetch_related("tags")

    def for_list(self) -> PostQuerySet:
        """What a post list item shows, and only that (`LIST_COLUMNS`)."""
        return self.with_list_related().only(*LIST_COLUMNS)

    def pinned(self) -> PostQuerySet:
        """Starter posts the facilitators pinned, newest first (chain after `visible_to`)."""
        return self.filter(is_pinned=True).order_by("-published_at", "-pk")

    def for_feed(
        self,
        community: Community,
        *,
        sort: str = DEFAULT_FEED_SORT,
        kind: str = "",
        outcome: str = "",
        tag: str = "",
        open_challenges: bool = False,
    ) -> PostQuerySet:
        """A community's posts in feed order with what a list item shows.

        Chain after `visible_to(user)` or `visible_in(community, user, membership)`:
        `Post.objects.visible_to(user).for_feed(community)[:5]`.
        `tag` is a tag slug; `open_challenges` keeps challenges without a helpful answer.
        """
        qs = self.filter(community=community)
        if open_challenges:
            qs = qs.filter(kind="challenge", answered_at__isnull=True)
        elif kind:
            qs = qs.filter(kind=kind)
        if outcome:
            qs = qs.filter(outcome=outcome)
        if tag:
            qs = qs.filter(tags__slug=tag)
        return qs.order_by(*FEED_SORTS.get(sort, FEED_SORTS[DEFAULT_FEED_SORT])).for_list()


class CommentQuerySet(models.QuerySet):
    def visible(self) -> CommentQuerySet:
        return self.filter(status=self.model.Status.VISIBLE, hidden_at__isnull=True)

    def visible_to(self, user: User) -> CommentQuerySet:
        """Comments on posts `user` may read, not deleted; hidden ones only for their
        author and the community's facilitators."""
        from communities.models import Community

        from .models import Post

        qs = self.filter(status=self.model.Status.VISIBLE, post__in=Post.objects.visible_to(user))
        if not user.is_authenticated:
            return qs.filter(hidden_at__isnull=True)
        if is_privileged(user):
            return qs
        facilitated = Community.objects.facilitated_by(user).values("pk")
        return qs.filter(
            Q(hidden_at__isnull=True) | Q(author=user) | Q(post__community__in=facilitated)
        )

    def visible_on(self, post: Post, user: User, *, moderates: bool) -> CommentQuerySet:
        """The comments of `post` that `visible_to(user)` shows, for a post the viewer
        already opened through the door (`access_post`): the viewer's standing was
        resolved once there, so no scoped subquery is compiled again per query.
        `moderates` is that standing: a facilitator of the community or staff, who see
        hidden comments; authors see their own."""
        qs = self.filter(post=post, status=self.model.Status.VISIBLE)
        if moderates:
            return qs
        if not user.is_authenticated:
            return qs.filter(hidden_at__isnull=True)
        return qs.filter(Q(hidden_at__isnull=True) | Q(author=user))

    def for_conversation(self) -> CommentQuerySet:
        """Only the columns a conversation shows, with each author's name and avatar
        (no password hash, email preferences or biography)."""
        return self.select_related("author").only(
            "post_id",
            "parent_id",
            "body",
            "body_html",
            "status",
            "hidden_at",
            "hidden_by_id",
            "hidden_reason",
            "review_requested_at",
            "marked_helpful_at",
            "created_at",
            "edited_at",
            "author__display_name",
            "author__email",
            "author__avatar",
        )
