"""Pre-moderation: posts that wait for a facilitator's approval, approved or sent back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from communities.models import ModerationAction
from communities.permissions import check_can_moderate
from practices import services as practices_services
from practices.models import Post

from .items import lock, log_action

if TYPE_CHECKING:
    from members.models import User


def _lock_pending(post: Post) -> Post:
    post = lock(post)
    if post.status != Post.Status.PENDING:
        raise ValidationError(_("This post is no longer waiting for approval."))
    return post


@transaction.atomic
def post_approve(*, by: User, post: Post, reason: str = "") -> Post:
    """Publish a post that waited for approval."""
    post = _lock_pending(post)
    check_can_moderate(by, post.community)
    practices_services.post_publish_approved(post=post)
    log_action(
        post.community, ModerationAction.Action.APPROVED, by=by, item=post, reason=reason.strip()
    )
    return post


@transaction.atomic
def post_reject(*, by: User, post: Post, reason: str) -> Post:
    """Send a waiting post back to its author as a draft, with the reason."""
    post = _lock_pending(post)
    check_can_moderate(by, post.community)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why; the author reads it on their draft.")})
    post.status = Post.Status.DRAFT
    post.save(update_fields=["status"])
    log_action(post.community, ModerationAction.Action.REJECTED, by=by, item=post, reason=reason)
    return post


def rejection_of(post: Post) -> ModerationAction | None:
    """Why a draft was sent back by the facilitators, if it was."""
    if post.status != Post.Status.DRAFT:
        return None
    return (
        ModerationAction.objects.filter(post=post, action=ModerationAction.Action.REJECTED)
        .order_by("-created_at", "-pk")
        .first()
    )
