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
from communities.permissions import membership_of

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


def access_post(
    user: User, slug: str, pk: int, *, with_drafts: bool = False
) -> tuple[Post, Membership | None]:
    """The post `pk` of community `slug` if `user` may read it (with `with_drafts`,
    also their own drafts and the posts waiting for approval they may open), and
    `user`'s membership in its community; otherwise 404."""
    posts = Post.objects.visible_to(user)
    if with_drafts:
        posts = posts | Post.objects.drafts_of(user) | Post.objects.pending_visible_to(user)
    post = (
        _with_viewer_state(posts, user)
        .select_related("community", "author")
        .filter(pk=pk, community__slug=slug)
        .first()
    )
    if post is None:
        raise Http404
    return post, membership_of(user, post.community)


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
