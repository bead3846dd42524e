"""The door to a community: every view reaches its community through here.

`access_community` fetches the community through the scoped queryset, so what a
person may not see is the same 404 as what does not exist, and returns it together
with the viewer's membership, looked up once: the standing every later check uses.
A viewer whose membership's standing reads the community (`reads_content`, the rule
both scoped querysets derive from) is let in from that one lookup, with no scoped
query to build; everyone else comes through the scoped queryset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.http import Http404

from config.permissions import can

from .models import Community, Membership
from .permissions import (
    check_can_manage_community,
    check_can_read_content,
    check_can_restore_community,
    check_can_view_health,
    check_can_view_members,
    join_state,
    membership_by_slug,
    reads_content,
)

if TYPE_CHECKING:
    from members.models import User

Purpose = Literal["see", "read", "manage"]


def access_community(
    user: User, slug: str, *, to: Purpose = "see"
) -> tuple[Community, Membership | None]:
    """The community `slug` and `user`'s membership in it (any status, or None).

    `to="see"`: its home page (404 when hidden from `user`); `to="read"`: its posts,
    comments and members (404 otherwise); `to="manage"`: its settings (404 when
    hidden, 403 when visible but not theirs to run).
    """
    membership = membership_by_slug(user, slug)
    if membership is not None and reads_content(user, membership.community, membership):
        # Their standing reads this community's content, so both scopes hold it
        # (`readable_by` is derived from the same rule, and `visible_to` holds every
        # community whose content one reads): one lookup, no scoped query to compile.
        community = membership.community
    else:
        scope = Community.objects.readable_by if to == "read" else Community.objects.visible_to
        community = scope(user).filter(slug=slug).first()
        if community is None:
            raise Http404
    if to == "manage":
        check_can_manage_community(user, community, membership)
    return community, membership


def community_context(user: User, community: Community, viewer: Membership | None, **extra) -> dict:
    """What every community page's header needs: the viewer's membership and the `can_*`
    flags. `extra` is the page's own context (it may name its own `membership`); a page
    whose community the door opened with `to="read"` passes `can_read=True`, which the
    door already checked."""
    can_read = extra.pop("can_read", None)
    if can_read is None:
        can_read = can(check_can_read_content, user, community, viewer)
    return {
        "community": community,
        "membership": viewer,
        "join_state": join_state(user, community, viewer),
        "can_manage": can(check_can_manage_community, user, community, viewer),
        "can_view_members": can(check_can_view_members, user, community, viewer),
        "can_read": can_read,
        "can_restore": can(check_can_restore_community, user, community),
        "can_view_health": can(check_can_view_health, user, community, viewer),
        "needs_charter_acceptance": bool(
            viewer and viewer.is_active and viewer.needs_charter_acceptance
        ),
        **extra,
    }
