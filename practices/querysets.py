"""Reads of posts and comments, always scoped through the communities' one door."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from config.privilege import is_privileged

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.db.models import Expression

    from communities.models import Community, Membership
    from communities.querysets import CommunityQuerySet, MembershipQuerySet
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


class _Lookup(Enum):
    NOT_GIVEN = "not given"


# Default for `membership`: the caller did not look it up (None means "looked up: none").
_NOT_GIVEN = _Lookup.NOT_GIVEN


def prefetch_topics(posts: Iterable[Post]) -> None:
    """The topics of `posts` in one query, kept as what each `post.tags.all()` returns.

    The same as `prefetch_related_objects(posts, "tags")` (topics in the order of their
    ids, as that gives them), whose tag manager builds and filters a queryset of its own
    for every post: a measurable share of a feed."""
    from taggit.models import Tag

    from .models import PostTag

    posts = list(posts)
    by_post: dict[int, list[Tag]] = {post.pk: [] for post in posts}
    for link in (
        PostTag.objects.filter(content_object_id__in=by_post)
        .select_related("tag")
        .order_by("tag_id")
    ):
        by_post[link.content_object_id].append(link.tag)
    for post in posts:
        topics = Tag.objects.all()
        topics._result_cache = by_post[post.pk]
        topics._prefetch_done = True
        post._prefetched_objects_cache = {
            **getattr(post, "_prefetched_objects_cache", {}),
            "tags": topics,
        }


# "N new" on a community card counts at most this many posts and then says "99+": the
# count walks the feed index from the member's watermark, never the whole community.
NEW_POSTS_CAP = 99


# --- What is new to a member ----------------------------------------------------------
# A post is new to a member of its community when it was published after they joined
# and after their last "mark all as read" (`read_since`), they did not write it and
# have not opened it (`PostRead`). A comment is new when it came after the later of
# `read_since` and their last visit of its post (`read_cutoff`). Each rule is written
# once here and used by the feeds, the post page and the community cards, always as
# part of the page's own queries.


def _read_since(user: User, joined: Expression, community: Expression | int) -> Expression:
    """The rule: when `community`'s content stopped being new to `user`, a member since
    `joined`: the later of joining and their last "mark all as read" there."""
    from .models import CommunityRead

    watermark = CommunityRead.objects.filter(user=user, community=community).values("read_before")[
        :1
    ]
    return Greatest(joined, Subquery(watermark))


def read_since(user: User) -> Expression:
    """On a `Membership` row of `user`: when its community's content stopped being new
    to them, the later of joining and their last "mark all as read"."""
    return _read_since(user, Coalesce("joined_at", "created_at"), OuterRef("community_id"))


def _is_active_membership_of(user: User, membership: Membership | None) -> bool:
    return membership is not None and membership.is_active and membership.user_id == user.pk


def read_since_of(user: User, membership: Membership | None) -> Expression:
    """`read_since` of `user`'s membership row that the door already loaded: the same
    rule with the joining date as a value, so no subquery on memberships is built,
    compiled or run per row; NULL unless the membership is active."""
    if not _is_active_membership_of(user, membership):
        return Value(None, output_field=DateTimeField())
    joined = Value(membership.joined_at or membership.created_at, output_field=DateTimeField())
    return _read_since(user, joined, membership.community_id)


def _read_since_in(user: User, community: Expression) -> Subquery:
    """`read_since` of `user`'s active membership in `community`; NULL for anyone who
    is not an active member, for whom nothing is new."""
    from communities.models import Membership

    return Subquery(
        Membership.objects.active()
        .filter(user=user, community=community)
        .annotate(since=read_since(user))
        .values("since")[:1],
        output_field=DateTimeField(),
    )


def new_post_rule(user: User, since: Expression) -> Q:
    """On a `Post` row: new to `user`, whose `read_since` in its community is `since`."""
    from .models import PostRead

    return (
        Q(published_at__gt=since, hidden_at__isnull=True)
        & ~Q(author=user)
        & ~Exists(PostRead.objects.filter(user=user, post=OuterRef("pk")))
    )


def new_comment_rule(user: User, cutoff: Expression) -> Q:
    """On a `Comment` row: new to `user`, whose `read_cutoff` for its post is `cutoff`."""
    from .models import Comment

    return Q(status=Comment.Status.VISIBLE, hidden_at__isnull=True, created_at__gt=cutoff) & ~Q(
        author=user
    )


def _new_posts_count(user: User, community: Expression, since: Expression) -> Func:
    """How many posts of `community` that `user` may read are new to them, counted up
    to `NEW_POSTS_CAP + 1`: a range of the feed index after `since`, never the table."""
    from .models import Post

    new = (
        Post.objects.visible_to(user)
        .filter(community=community)
        .filter(new_post_rule(user, since))
        .order_by()
        .values("pk")[: NEW_POSTS_CAP + 1]
    )
    return Func(ArraySubquery(new), function="CARDINALITY", output_field=IntegerField())


def memberships_with_new_posts(memberships: MembershipQuerySet, user: User) -> MembershipQuerySet:
    """`user`'s memberships, each with `new_posts` (capped) in its community."""
    if not user.is_authenticated:
        return memberships
    return memberships.annotate(read_since=read_since(user)).annotate(
        new_posts=_new_posts_count(user, OuterRef("community_id"), OuterRef("read_since"))
    )


def communities_with_new_posts(communities: CommunityQuerySet, user: User) -> CommunityQuerySet:
    """Communities, each with `new_posts` (capped) for `user`: 0 where they are no
    active member."""
    if not user.is_authenticated:
        return communities
    return communities.annotate(read_since=_read_since_in(user, OuterRef("pk"))).annotate(
        new_posts=_new_posts_count(user, OuterRef("pk"), OuterRef("read_since"))
    )


class PostQuerySet(models.QuerySet):
    def published(self) -> PostQuerySet:
        return self.filter(status=self.model.Status.PUBLISHED)

    def seen_by_every_reader(self) -> PostQuerySet:
        """Published and not hidden: what every reader of its community sees, so what
        may be copied or linked where all of them read (a playbook page)."""
        return self.published().filter(hidden_at__isnull=True)

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

    def with_read_cutoff(
        self, user: User, *, membership: Membership | None | _Lookup = _NOT_GIVEN
    ) -> PostQuerySet:
        """Each post with `read_since` (see `read_since`) and `read_cutoff`, after which
        its comments are new to `user`; both NULL where nothing is new to them.

        Posts of one community whose door returned `user`'s `membership` pass it: its
        `read_since` is then one value for every row (`read_since_of`)."""
        if not user.is_authenticated:
            nothing = Value(None, output_field=DateTimeField())
            return self.annotate(read_since=nothing, read_cutoff=nothing)
        from .models import PostRead

        seen = PostRead.objects.filter(user=user, post=OuterRef("pk")).values("seen_at")[:1]
        if membership is not _NOT_GIVEN:
            since = read_since_of(user, membership)
            if _is_active_membership_of(user, membership):
                # GREATEST skips NULLs: a known `read_since` needs no case for "no member".
                cutoff = Greatest(F("read_since"), Subquery(seen))
            else:
                cutoff = since
            return self.annotate(read_since=since).annotate(read_cutoff=cutoff)
        since = _read_since_in(user, OuterRef("community_id"))
        return self.annotate(read_since=since).annotate(
            read_cutoff=Case(
                When(read_since__isnull=True, then=Value(None)),
                default=Greatest(F("read_since"), Subquery(seen)),
                output_field=DateTimeField(),
            )
        )

    def with_unread(
        self, user: User, *, membership: Membership | None | _Lookup = _NOT_GIVEN
    ) -> PostQuerySet:
        """Each post with `is_new` and `new_comments` (how many comments are new) for
        `user`: correlated lookups on the unique (user, post) and (post, created_at)
        indexes, evaluated only for the rows a page returns. `membership`: as for
        `with_read_cutoff`, for the posts of one community."""
        qs = self.with_read_cutoff(user, membership=membership)
        if not user.is_authenticated:
            return qs.annotate(
                is_new=Value(False, output_field=BooleanField()),
                new_comments=Value(0, output_field=IntegerField()),
            )
        from .models import Comment

        new_comments = (
            Comment.objects.filter(post=OuterRef("pk"))
            .filter(new_comment_rule(user, OuterRef("read_cutoff")))
            .order_by()
            .values("post")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return qs.annotate(
            is_new=ExpressionWrapper(
                new_post_rule(user, F("read_since")), output_field=BooleanField()
            ),
            new_comments=Coalesce(Subquery(new_comments), 0),
        )

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
