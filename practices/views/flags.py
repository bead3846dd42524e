"""What the viewer may do with a post and its comments: every flag from its check.

Templates read only these flags; each one is `can(check_can_..., ...)` of the very
check the service applies, so a button is shown exactly when its action would work.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from communities.models import Community, Membership
from communities.permissions import check_can_contribute, check_can_moderate
from config.htmx import login_url
from config.permissions import can

from .. import bylines, moderation
from ..models import Comment, Post
from ..permissions import (
    check_can_comment,
    check_can_delete_comment,
    check_can_delete_post,
    check_can_edit_comment,
    check_can_edit_post,
    check_can_hide_comment,
    check_can_hide_post,
    check_can_mark_comment_helpful,
    check_can_mark_helpful,
    check_can_pin_post,
    check_can_react,
    check_can_report,
    check_can_request_review,
    check_can_reveal_post,
    check_can_save_post,
)


def post_flags(user, post: Post, membership: Membership | None) -> dict:
    """The `can_*` flags of the post page for `user`, whose membership is `membership`,
    and the byline it shows them (facilitators and staff see who shared without name)."""
    moderates = can(check_can_moderate, user, post.community, membership)
    is_author = bool(user.is_authenticated and post.author_id == user.pk)
    return {
        "is_author": is_author,
        "can_moderate_names": moderates,
        "byline": bylines.post_byline(user, post, moderates=moderates),
        "can_reveal": can(check_can_reveal_post, user, post),
        "can_contribute": can(check_can_contribute, user, post.community, membership),
        "can_react": can(check_can_react, user, post, membership),
        "can_save": can(check_can_save_post, user, post),
        "can_edit": can(check_can_edit_post, user, post, membership),
        "can_delete": can(check_can_delete_post, user, post),
        "can_pin": can(check_can_pin_post, user, post, membership),
        "can_hide": can(check_can_hide_post, user, post, membership),
        "can_comment": can(check_can_comment, user, post, membership),
        "can_mark_helpful": can(check_can_mark_helpful, user, post, membership),
        "can_report": can(check_can_report, user, post, membership),
        "can_request_review": can(check_can_request_review, user, post),
        "review_pending": moderation.review_is_pending(post),
        "is_pending": post.status == Post.Status.PENDING,
    }


def comment_flags(
    comment: Comment, *, user, post: Post, membership: Membership | None, is_reply: bool
) -> Comment:
    """Put the viewer's `can_*` flags on a comment of `post` (no query per comment)."""
    comment.post = post  # the page's post: its checks read the post and its community
    comment.is_reply = is_reply
    comment.can_edit = can(check_can_edit_comment, user, comment, membership)
    comment.can_delete = can(check_can_delete_comment, user, comment)
    comment.can_hide = can(check_can_hide_comment, user, comment, membership)
    comment.can_mark = can(check_can_mark_comment_helpful, user, comment, membership)
    comment.can_report = can(check_can_report, user, comment, membership)
    comment.can_request_review = can(check_can_request_review, user, comment)
    comment.review_pending = moderation.review_is_pending(comment)
    return comment


def contribution_notice(
    request, community: Community, membership: Membership | None
) -> dict | None:
    """Why the viewer cannot post here, with the one link that helps; None if they can."""
    user = request.user
    if can(check_can_contribute, user, community, membership):
        return None
    if community.is_archived:
        return {
            "text": _(
                "This community is archived: you can read everything, but nobody posts any more."
            )
        }
    if not user.is_authenticated:
        return {
            "text": _("Sign in and join this community to share an experience or ask a question."),
            "url": login_url(request),
            "link": _("Sign in"),
        }
    if membership and membership.status == Membership.Status.BANNED:
        return {"text": _("You can no longer post in this community.")}
    if membership and membership.is_active and membership.needs_charter_acceptance:
        return {
            "text": _("The rules of this community changed. Accept the new rules to post again."),
            "url": reverse("communities:charter", args=[community.slug]),
            "link": _("Read and accept the rules"),
        }
    if membership and membership.is_active and community.is_planning:
        return {"text": _("While the community is being prepared, only the founding team posts.")}
    return {
        "text": _("Join this community to share an experience or ask a question."),
        "url": community.get_absolute_url(),
        "link": _("Join the community"),
    }
