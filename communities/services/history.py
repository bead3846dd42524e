"""Records every membership change leaves behind: the event history and the member count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import (
    Community,
    Membership,
    MembershipEvent,
)

if TYPE_CHECKING:
    from members.models import User


def record_event(membership: Membership, actor: User, action: str, detail: str = "") -> None:
    MembershipEvent.objects.create(
        membership=membership, actor=actor, action=action, detail=str(detail)[:300]
    )


def recount_members(community: Community) -> None:
    Community.objects.filter(pk=community.pk).update(
        member_count=Membership.objects.filter(
            community=community, status=Membership.Status.ACTIVE
        ).count()
    )
