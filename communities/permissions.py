"""Who may do what in a community. Scoping (who may see) lives in querysets.py."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Community, Invitation, Membership


def get_membership(user, community: Community) -> Membership | None:
    """The user's membership row in `community` (any status), cached on the community."""
    if not user.is_authenticated:
        return None
    cache = community.__dict__.setdefault("_membership_cache", {})
    if user.pk not in cache:
        cache[user.pk] = (
            Membership.objects.filter(community=community, user=user)
            .select_related("community")
            .first()
        )
    return cache[user.pk]


def is_facilitator(user, community: Community) -> bool:
    membership = get_membership(user, community)
    return bool(membership and membership.is_facilitator)


def is_active_member(user, community: Community) -> bool:
    membership = get_membership(user, community)
    return bool(membership and membership.is_active)


def can_read_content(user, community: Community) -> bool:
    """May `user` read posts, comments and the member list of `community`?"""
    return Community.objects.readable_by(user).filter(pk=community.pk).exists()


def can_manage_community(user, community: Community) -> bool:
    """Facilitators run their community's settings; archived ones only show them."""
    return is_facilitator(user, community)


def can_moderate_content(user, community: Community) -> bool:
    """Facilitators (and staff) review reports and hide, show, approve or reject content."""
    return is_facilitator(user, community) or bool(user.is_authenticated and user.is_staff)


def can_report(user, community: Community) -> bool:
    """Active members report posts and comments they can read as breaking a rule."""
    return is_active_member(user, community)


def can_view_members(user, community: Community) -> bool:
    """The member directory ("who knows what") is for members of that community."""
    return is_active_member(user, community) or (user.is_authenticated and user.is_staff)


def can_contribute(user, community: Community) -> bool:
    """May `user` post or comment? Active members who accepted the current rules.

    Archived communities are read-only; while planning, only the founding team
    (facilitators and core members) can prepare seed content.
    """
    membership = get_membership(user, community)
    if not membership or not membership.is_active or membership.needs_charter_acceptance:
        return False
    if community.is_archived:
        return False
    if community.is_planning:
        return membership.role in (Membership.Role.FACILITATOR, Membership.Role.CORE)
    return True


def check_can_contribute(user, community: Community) -> None:
    if not can_contribute(user, community):
        membership = get_membership(user, community)
        if membership and membership.is_active and membership.needs_charter_acceptance:
            raise PermissionDenied(_("Accept the community's updated rules before you post."))
        raise PermissionDenied(_("Only active members can post in this community."))


def open_invitation(user, community: Community) -> Invitation | None:
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


def join_state(user, community: Community) -> str:
    """What the join button should say for `user` on `community`'s home page."""
    membership = get_membership(user, community)
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


def can_view_health(user, community: Community) -> bool:
    """The health dashboard is for the community's facilitators and for site staff."""
    if not user.is_authenticated:
        return False
    return user.is_staff or is_facilitator(user, community)


def can_restore_community(user, community: Community) -> bool:
    """Only site staff bring an archived community back; facilitators can only archive."""
    return user.is_authenticated and user.is_staff and community.is_archived
