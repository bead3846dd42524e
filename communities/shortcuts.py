"""How views reach a community: through the scoped queryset, so what is private is a 404."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Community
from .permissions import can_manage_community, can_read_content


def get_visible_community(request, slug: str) -> Community:
    """The community if `request.user` may see its home page; otherwise 404."""
    return get_object_or_404(Community.objects.visible_to(request.user), slug=slug)


def get_readable_community(request, slug: str) -> Community:
    """The community if `request.user` may read its content; otherwise the same 404."""
    return get_object_or_404(Community.objects.readable_by(request.user), slug=slug)


def get_managed_community(request, slug: str) -> Community:
    """The community for its facilitators; 404 if invisible, 403 if visible but not theirs."""
    community = get_visible_community(request, slug)
    if not can_manage_community(request.user, community):
        raise PermissionDenied
    return community


def community_context(request, community: Community, **extra) -> dict:
    """What every community page's header needs: the viewer's membership and `can_*` flags."""
    from .permissions import (
        can_restore_community,
        can_view_health,
        can_view_members,
        get_membership,
        join_state,
    )

    membership = get_membership(request.user, community)
    return {
        "community": community,
        "membership": membership,
        "join_state": join_state(request.user, community),
        "can_manage": can_manage_community(request.user, community),
        "can_view_members": can_view_members(request.user, community),
        "can_read": can_read_content(request.user, community),
        "can_restore": can_restore_community(request.user, community),
        "can_view_health": can_view_health(request.user, community),
        "needs_charter_acceptance": bool(
            membership and membership.is_active and membership.needs_charter_acceptance
        ),
        **extra,
    }
