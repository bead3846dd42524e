"""Who may do what in a community. Scoping (who may see) lives in querysets.py.

Each rule is one `check_can_*` function that raises PermissionDenied; the `can_*`
flags views and templates need come from `config.permissions.can(check, ...)`.
Checks take the viewer's membership when the caller already has it (the door in
`communities.access` returns it); without it they look it up once.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from config.privilege import is_privileged

from .models import Community, Invitation, Membership
from .querysets import Standing, reads_content_as

if TYPE_CHECKING:
    from members.models import User


class _Lookup(Enum):
    UNKNOWN = "unknown"


# Default for `membership`: "not looked up yet" (None means "looked up: none").
UNKNOWN = _Lookup.UNKNOWN
MembershipArg = Membership | None | _Lookup


def membership_of(user: User, community: Community) -> Membership | None:
    """`user`'s membership row in `community`, whatever its status: one query, no cache."""
    if not user.is_authenticated:
        return None
    # The membership brings its own copy of the community (same query, one join), so
    # rules about the current charter read what is stored now, not a caller's old copy.
    return (
        Membership.objects.filter(community=community, user=user)
        .select_related("community")
        .first()
    )


def membership_by_slug(user: User, slug: str) -> Membership | None:
    """`membership_of` for the community with the address `slug`, found before the
    community is known: one query, the community loaded with it."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(community__slug=slug, user=user)
        .select_related("community")
        .first()
    )


def _resolve(user: User, community: Community, membership: MembershipArg) -> Membership | None:
    return membership_of(user, community) if membership is UNKNOWN else membership


def _is_staff(user: User) -> bool:
    """Staff powers need a session authenticated with a second factor."""
    return is_privileged(user)


def active_membership(membership: Membership | None) -> Membership | None:
    """The membership if it is active, else None."""
    return membership if membership is not None and membership.is_active else None


# --- Reading ---------------------------------------------------------------------------


def standing_in(membership: Membership | None) -> Standing:
    """The viewer's standing for reading, from the membership the door looked up."""
    membership = active_membership(membership)
    if membership is None:
        return Standing.OUTSIDER
    return Standing.TEAM if membership.role in Membership.TEAM_ROLES else Standing.MEMBER


def reads_content(user: User, community: Community, membership: Membership | None) -> bool:
    """The reading rule (`communities.querysets.reads_content_as`, from which the queryset
    `Community.readable_by` is derived) for one community, decided from the viewer's
    membership that the door looked up once. Staff read everything."""
    if is_privileged(user):
        return True
    return reads_content_as(standing_in(membership), community.stage, community.visibility)


def check_can_read_content(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """Posts, comments and the member list are read through `Community.readable_by`."""
    if not reads_content(user, community, _resolve(user, community, membership)):
        raise PermissionDenied(_("Only members can read this community's content."))


def check_can_view_members(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """The member directory ("who knows what") is for members of that community."""
    if _is_staff(user) or active_membership(_resolve(user, community, membership)):
        return
    raise PermissionDenied(_("Only members see who else is in this community."))


# --- Contributing ----------------------------------------------------------------------


def check_can_contribute(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """Active members who accepted the current rules post, comment and react.

    Archived communities are read-only; while planning, only the founding team
    (facilitators and core members) prepares seed content.
    """
    membership = active_membership(_resolve(user, community, membership))
    if membership is not None and membership.needs_charter_acceptance:
        raise PermissionDenied(_("Accept the community's updated rules before you post."))
    if (
        membership is None
        or community.is_archived
        or (community.is_planning and membership.role not in Membership.TEAM_ROLES)
    ):
        raise PermissionDenied(_("Only active members can post in this community."))


def check_can_report_in(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """Active members report posts and comments as breaking a rule."""
    if not active_membership(_resolve(user, community, membership)):
        raise PermissionDenied(_("Only members of this community can report content."))


# --- Running the community -------------------------------------------------------------


def check_can_manage_community(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """Facilitators run their community's settings; archived ones only show them."""
    membership = _resolve(user, community, membership)
    if membership is None or not membership.is_facilitator:
        raise PermissionDenied(_("Only the facilitators of this community can do that."))


def check_can_moderate(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """Facilitators (and staff) review reports and hide, show, approve or reject content."""
    if _is_staff(user):
        return
    membership = _resolve(user, community, membership)
    if membership is None or not membership.is_facilitator:
        raise PermissionDenied(_("Only facilitators can review and hide content."))


def check_can_pin(user: User, community: Community, membership: MembershipArg = UNKNOWN) -> None:
    """Facilitators choose the starter posts new members read during onboarding."""
    membership = _resolve(user, community, membership)
    if membership is None or not membership.is_facilitator:
        raise PermissionDenied(_("Only facilitators can pin starter posts."))


def check_can_view_health(
    user: User, community: Community, membership: MembershipArg = UNKNOWN
) -> None:
    """The health dashboard is for the community's facilitators and for site staff."""
    if _is_staff(user):
        return
    check_can_manage_community(user, community, membership)


def check_can_restore_community(user: User, community: Community) -> None:
    """Only site staff bring an archived community back; facilitators can only archive."""
    if not (_is_staff(user) and community.is_archived):
        raise PermissionDenied(_("Only site staff can restore an archived community."))


# --- Joining ---------------------------------------------------------------------------


def open_invitation(user: User, community: Community) -> Invitation | None:
    if not user.is_authenticated:
        return None
    return Invitation.objects.filter(community=community).open().for_user(user).first()


class JoinState:
    ANONYMOUS = "anonymous"  # sign in first
    JOIN = "join"  # open community: accept the rules and join
    REQUEST = "request"  # answer questions, wait for approval
    PENDING = "pending"  # request waiting for a decision
    INVITED = "invited"  # an open invitation waits for this person
    MEMBER = "member"
    BANNED = "banned"
    INVITATION_ONLY = "invitation_only"
    CLOSED = "closed"  # planning or archived: nobody joins


def join_state(user: User, community: Community, membership: MembershipArg = UNKNOWN) -> str:
    """What the join button should say for `user` on `community`'s home page."""
    membership = _resolve(user, community, membership)
    if membership and membership.status == Membership.Status.BANNED:
        return JoinState.BANNED
    if membership and membership.is_active:
        return JoinState.MEMBER
    if not community.is_launched:
        return JoinState.CLOSED
    if not user.is_authenticated:
        return JoinState.ANONYMOUS
    if membership and membership.status == Membership.Status.PENDING:
        return JoinState.PENDING
    if open_invitation(user, community):
        return JoinState.INVITED
    if community.join_policy == Community.JoinPolicy.OPEN:
        return JoinState.JOIN
    if community.join_policy == Community.JoinPolicy.REQUEST:
        return JoinState.REQUEST
    return JoinState.INVITATION_ONLY
