"""The door to posts and comments: every view reaches them through here.

Each function fetches through the scoped querysets (`Post.objects.visible_to`, ...),
so what a person may not read is the same 404 as what does not exist, and returns the
object with the viewer's membership in its community, looked up once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from communities.models import Membership
from communities.permissions import (
    check_can_moderate,
    membership_by_slug,
    membership_of,
    reads_content,
)
from config.permissions import can

from .models import Bookmark, Comment, Post, PostFollow, Reaction

if TYPE_CHECKING:
    from members.models import User


def _with_viewer_state(posts: QuerySet[Post], user: User) -> QuerySet[Post]:
    """The viewer's own reactions, bookmark and follow, as four EXISTS columns."""
    if not user.is_authenticated:
        return posts
    mine = {"post": OuterRef("pk"), "user": user}
    return posts.annotate(
        viewer_helpful=Exists(Reaction.objects.filter(kind=Reaction.Kind.HELPFUL, **mine)),
        viewer_applied=Exists(Reaction.objects.filter(kind=Reaction.Kind.APPLIED, **mine)),
        viewer_bookmarked=Exists(Bookmark.objects.filter(**mine)),
        viewer_following=Exists(PostFollow.objects.filter(**mine)),
    )


# Columns the post page never shows: the search vector and the conversation's text kept
# for search grow with every comment; list pages quote the excerpt.
_UNSHOWN_POST_FIELDS = ("search_vector", "comments_text", "excerpt")
_UNSHOWN_AUTHOR_FIELDS = ("author__password", "author__bio")


def _may_open(user: User, post: Post, membership: Membership | None, *, with_drafts: bool) -> bool:
    """What `Post.objects.visible_to(user)` (with `with_drafts`, also `drafts_of` and
    `pending_visible_to`) decides for one post, from the standing looked up once.
    A test holds the two to the same answer for every status and standing."""
    community = post.community
    reads = reads_content(user, community, membership)
    moderates = can(check_can_moderate, user, community, membership)
    is_author = bool(user.is_authenticated and post.author_id == user.pk)
    if post.status == Post.Status.PUBLISHED:
        return reads and (post.hidden_at is None or is_author or moderates)
    if not with_drafts:
        return False
    if post.status == Post.Status.DRAFT:
        return reads and is_author
    if post.status == Post.Status.PENDING:
        return (reads and is_author) or moderates
    return False


def access_post(
    user: User, slug: str, pk: int, *, with_drafts: bool = False, with_read_cutoff: bool = False
) -> tuple[Post, Membership | None]:
    """The post `pk` of community `slug` if `user` may read it (with `with_drafts`,
    also their own drafts and the posts waiting for approval they may open), and
    `user`'s membership in its community; otherwise 404.

    Two indexed lookups: the viewer's membership in the community `slug`, then the post
    with its community and author; the rule of `visible_to` is then applied to that
    standing, so no permission subquery is built or compiled for the post or its
    comments. `with_read_cutoff` adds the viewer's `read_cutoff`
    (`PostQuerySet.with_read_cutoff`, from that membership) to the post's lookup, for
    the post page's new-comment markers."""
    membership = membership_by_slug(user, slug)
    posts = Post.objects.all()
    if with_read_cutoff:
        # The post is one of the membership's community (the same address): its
        # `read_since` is a value, no subquery on memberships.
        posts = posts.with_read_cutoff(user, membership=membership)
    post = (
        _with_viewer_state(posts, user)
        .select_related("community", "author")
        .defer(*_UNSHOWN_POST_FIELDS, *_UNSHOWN_AUTHOR_FIELDS)
        .filter(pk=pk, community__slug=slug)
        .first()
    )
    if post is None:
        raise Http404
    if not _may_open(user, post, membership, with_drafts=with_drafts):
        raise Http404
    return post, membership


def access_comment(user: User, pk: int) -> tuple[Comment, Membership | None]:
    """The comment `pk` if `user` may read it, with their membership in its community."""
    comment = (
        Comment.objects.visible_to(user)
        .select_related("post__community", "author")
        .filter(pk=pk)
        .first()
    )
    if comment is None:
        raise Http404
    return comment, membership_of(user, comment.post.community)
