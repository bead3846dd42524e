"""A post or a comment under moderation: locking it, logging decisions, hiding it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from communities.models import Community, ModerationAction, Report
from practices import services as practices_services
from practices.models import Comment, Post
from practices.permissions import Item

if TYPE_CHECKING:
    from members.models import User


def item_of(post: Post | None, comment: Comment | None) -> Item:
    if (post is None) == (comment is None):
        raise ValueError("Pass either a post or a comment.")
    return post if post is not None else comment


def lock(item: Item) -> Item:
    """The item re-read and locked, so that two reviews of it happen one after the other."""
    if isinstance(item, Post):
        return (
            Post.objects.select_for_update(of=("self",))
            .select_related("community", "author")
            .get(pk=item.pk)
        )
    return (
        Comment.objects.select_for_update(of=("self",))
        .select_related("post__community", "author")
        .get(pk=item.pk)
    )


def community_of(item: Item) -> Community:
    return item.community if isinstance(item, Post) else item.post.community


def target_of(item: Item) -> dict:
    """Lookup of the reports that concern `item`."""
    return {"post": item, "comment": None} if isinstance(item, Post) else {"comment": item}


def item_url(item: Item) -> str:
    """Where the item is read (a comment: its place on its post's page)."""
    if isinstance(item, Post):
        return reverse("practices:detail", args=[item.community.slug, item.pk])
    post = item.post
    return reverse("practices:detail", args=[post.community.slug, post.pk]) + f"#comment-{item.pk}"


def log_action(
    community: Community,
    action: str,
    *,
    by: User,
    item: Item | None = None,
    member: User = None,
    rule_title: str = "",
    reason: str = "",
) -> ModerationAction:
    target = {}
    if isinstance(item, Post):
        target = {"post": item}
    elif isinstance(item, Comment):
        target = {"comment": item}
    return ModerationAction.objects.create(
        community=community,
        actor=by,
        action=action,
        member=member if member is not None else getattr(item, "author", None),
        rule_title=rule_title[:160],
        reason=reason,
        **target,
    )


def set_hidden(item: Item, *, by: User, hidden: bool, reason: str = "") -> None:
    # The practices services own the visibility of content (and its counters).
    if isinstance(item, Post):
        practices_services.post_set_hidden(post=item, by=by, hidden=hidden, reason=reason)
    else:
        practices_services.comment_set_hidden(comment=item, by=by, hidden=hidden, reason=reason)


def resolve_reports(item: Item, *, by: User, status: str) -> int:
    return Report.objects.filter(status=Report.Status.OPEN, **target_of(item)).update(
        status=status, resolved_at=timezone.now(), resolved_by=by
    )
