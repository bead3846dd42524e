"""Who runs which webhook endpoints: a community's facilitators its own, staff (with a
second factor) the site-wide ones. Archived communities keep theirs read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from communities.permissions import UNKNOWN, MembershipArg, check_can_manage_community
from config.privilege import is_privileged

if TYPE_CHECKING:
    from communities.models import Community
    from members.models import User

    from .models import WebhookEndpoint


def check_can_manage_webhooks(
    user: User, community: Community | None, membership: MembershipArg = UNKNOWN
) -> None:
    """Register, change, test and redeliver the endpoints of `community` (None: the
    site-wide ones)."""
    if community is None:
        if not is_privileged(user):
            raise PermissionDenied(_("Only site staff can manage site-wide webhooks."))
        return
    check_can_manage_community(user, community, membership)
    if community.is_archived:
        raise PermissionDenied(_("This community is archived: its webhooks cannot be changed."))


def check_can_manage_endpoint(
    user: User, endpoint: WebhookEndpoint, membership: MembershipArg = UNKNOWN
) -> None:
    check_can_manage_webhooks(user, endpoint.community, membership)
