"""Who may do what with posts and comments. Scoping (who may read) lives in querysets.py.

Each rule is one `check_can_*` function; services call it, views derive their `can_*`
flags from it with `config.permissions.can`. The community-level rules they build on
(contributing, moderating, pinning, reporting) live in `communities.permissions`.
Like those, they take the viewer's membership when the caller has it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from communities.models import Membership
from communities.permissions import (
    UNKNOWN,
    MembershipArg,
    active_membership,
    check_can_contribute,
    check_can_moderate,
    check_can_pin,
    check_can_report_in,
    membership_of,
)

from .models import Comment, Post

if TYPE_CHECKING:
    from communities.models import Community
    from members.models import User

Item = Post | Comment


def _is_author(user: User, item: Item) -> bool:
    return bool(user.is_authenticated and item.author_id == user.pk)


def post_of(item: Item) -> Post:
    return item if isinstance(item, Post) else item.post


def noun_of(item: Item) -> str:
    return _("post") if isinstance(item, Post) else _("comment")


# --- Reading ---------------------------------------------------------------------------


def check_can_track_reading(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """Active members of a community are told what is new to them there, and mark it
    read (`PostQuerySet.with_unread` counts for the same active memberships)."""
    if membership is UNKNOWN:
        membership = membership_of(user, community)
    if active_membership(membership) is None:
        raise PermissionDenied(_("Only members of this community keep track of what they read."))


# --- Posts -----------------------------------------------------------------------------


def check_can_edit_post(user: User, post: Post, membership: MembershipArg = UNKNOWN) -> None:
    """Authors edit their own posts (drafts too) while they may contribute here."""
    if not _is_author(user, post):
        raise PermissionDenied(_("Only the author can edit this post."))
    check_can_contribute(user, post.community, membership)


def check_can_delete_post(user: User, post: Post) -> None:
    """Authors delete their own posts, even after leaving the community."""
    if not _is_author(user, post):
        raise PermissionDenied(_("Only the author can delete this post."))


def check_can_reveal_post(user: User, post: Post) -> None:
    """The author of a post shared without name may put their name on it, once."""
    if not _is_author(user, post):
        raise PermissionDenied(_("Only the author can put their name on this post."))
    if not post.shared_without_name:
        raise PermissionDenied(_("This post already shows its author's name."))


def check_can_share_without_name(user: User, community: Community) -> None:
    """Members share without their name only where the community allows it."""
    if not community.allows_unnamed_posts:
        raise PermissionDenied(_("This community does not allow posts without a name."))


def check_can_hide_post(user: User, post: Post, membership: MembershipArg = UNKNOWN) -> None:
    """Facilitators and staff hide published posts (with a reason) and show them again."""
    if not post.is_published:
        raise PermissionDenied(_("Only published posts are hidden or shown."))
    check_can_moderate(user, post.community, membership)


def check_can_pin_post(user: User, post: Post, membership: MembershipArg = UNKNOWN) -> None:
    """Facilitators pin published posts as starter posts for new members."""
    if not post.is_published:
        raise PermissionDenied(_("Only published posts are pinned."))
    check_can_pin(user, post.community, membership)


def check_can_react(user: User, post: Post, membership: MembershipArg = UNKNOWN) -> None:
    """Contributors mark others' published posts "helpful" or "I applied this"."""
    check_can_contribute(user, post.community, membership)
    if not post.is_published:
        raise PermissionDenied(_("Only published posts get reactions."))
    if _is_author(user, post):
        raise ValidationError(_("You cannot react to your own post."))


def check_can_save_post(user: User, post: Post) -> None:
    """Anyone signed in who can read a published post bookmarks or follows it."""
    if not user.is_authenticated or not post.is_published:
        raise PermissionDenied(_("Sign in to save or follow posts."))


def check_can_comment(user: User, post: Post, membership: MembershipArg = UNKNOWN) -> None:
    """Contributors comment on published posts."""
    check_can_contribute(user, post.community, membership)
    if not post.is_published:
        raise ValidationError(_("You can only comment on published posts."))


def check_can_mark_helpful(user: User, post: Post, membership: MembershipArg = UNKNOWN) -> None:
    """The author of a published challenge, while still an active member, or a
    facilitator, marks answers as helpful."""
    if _is_author(user, post):
        if membership is UNKNOWN:
            membership = membership_of(user, post.community)
        if not active_membership(membership):
            raise PermissionDenied(_("Only members of this community can mark answers."))
    else:
        try:
            check_can_pin(user, post.community, membership)
        except PermissionDenied as refusal:
            raise PermissionDenied(
                _("Only the author or a facilitator can mark answers.")
            ) from refusal
    if not (post.is_challenge and post.is_published):
        raise ValidationError(_("Only answers to a challenge are marked as helpful."))


# --- Comments --------------------------------------------------------------------------


def check_can_edit_comment(
    user: User, comment: Comment, membership: MembershipArg = UNKNOWN
) -> None:
    """Authors edit their own comments while they may contribute here."""
    if not _is_author(user, comment):
        raise PermissionDenied(_("Only the author can edit this comment."))
    check_can_contribute(user, comment.post.community, membership)


def check_can_delete_comment(user: User, comment: Comment) -> None:
    if not _is_author(user, comment):
        raise PermissionDenied(_("Only the author can delete this comment."))


def check_can_hide_comment(
    user: User, comment: Comment, membership: MembershipArg = UNKNOWN
) -> None:
    """Facilitators and staff hide comments (with a reason) and show them again."""
    check_can_moderate(user, comment.post.community, membership)


def check_can_mark_comment_helpful(
    user: User, comment: Comment, membership: MembershipArg = UNKNOWN
) -> None:
    """Marking an answer helpful, and never one's own answer to one's own challenge."""
    check_can_mark_helpful(user, comment.post, membership)
    if _is_author(user, comment) and _is_author(user, comment.post):
        raise ValidationError(_("You cannot mark your own answer as helpful."))


# --- Reports and reviews ---------------------------------------------------------------


def check_is_reporter(user: User, item: Item, membership: MembershipArg = UNKNOWN) -> None:
    """Only active members of the item's community report (as a form error)."""
    try:
        check_can_report_in(user, post_of(item).community, membership)
    except PermissionDenied as refusal:
        raise ValidationError(str(refusal)) from refusal


def check_can_report(user: User, item: Item, membership: MembershipArg = UNKNOWN) -> None:
    """Active members report what others wrote while it is visible.

    That the reporter can read `item` is the door's business: views fetch it through
    `visible_to`, and `report_create` checks it the same way.
    """
    check_is_reporter(user, item, membership)
    if not post_of(item).is_published:
        raise ValidationError(_("This content is not available."))
    if _is_author(user, item):
        raise ValidationError(_("You cannot report your own %(noun)s.") % {"noun": noun_of(item)})
    if item.is_hidden:
        raise ValidationError(
            _("This %(noun)s is already hidden; the facilitators will review it.")
            % {"noun": noun_of(item)}
        )


def check_can_request_review(user: User, item: Item) -> None:
    """The author of hidden content asks the facilitators to look again, once."""
    if not _is_author(user, item):
        raise ValidationError(_("Only the author can ask for a review."))
    if not item.is_hidden:
        raise ValidationError(_("This %(noun)s is not hidden.") % {"noun": noun_of(item)})
    if item.review_requested_at is not None:
        raise ValidationError(
            _("You already asked for a review of this %(noun)s; a review is asked for once.")
            % {"noun": noun_of(item)}
        )


# --- The playbook ----------------------------------------------------------------------


def check_can_edit_playbook(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """The team (facilitators and core members), while they may contribute, write and
    restore the community's playbook pages and add lessons to it."""
    if membership is UNKNOWN:
        membership = membership_of(user, community)
    check_can_contribute(user, community, membership)
    if membership.role not in Membership.TEAM_ROLES:
        raise PermissionDenied(
            _("Only the facilitators and core members of this community edit its playbook.")
        )


def check_can_propose_playbook_change(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """Members who may contribute, and are not on the team (who edit directly), propose
    changes to the playbook for a facilitator to accept."""
    if membership is UNKNOWN:
        membership = membership_of(user, community)
    check_can_contribute(user, community, membership)
    if membership.role in Membership.TEAM_ROLES:
        raise PermissionDenied(_("The team edits the playbook directly."))


def check_can_read_playbook_proposals(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """Every proposal of a community is for its active facilitators to read (they decide
    on them, and keep reading them when the community no longer takes changes); other
    people read their own."""
    if membership is UNKNOWN:
        membership = membership_of(user, community)
    if membership is None or not membership.is_active or not membership.is_facilitator:
        raise PermissionDenied(_("Only facilitators read every proposed change."))


def check_can_decide_playbook_proposal(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """Facilitators, while they may contribute, accept or decline proposed changes."""
    if membership is UNKNOWN:
        membership = membership_of(user, community)
    check_can_contribute(user, community, membership)
    if not membership.is_facilitator:
        raise PermissionDenied(_("Only facilitators accept or decline proposed changes."))
