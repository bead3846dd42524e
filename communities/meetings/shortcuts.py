"""The door to meetings: scoped querysets, so what a viewer may not see is a 404, the
same 404 as for something that does not exist. Returns what it checked."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from communities.models import Community, Membership

from .models import Meeting
from .permissions import membership_of


def get_readable_community(request, slug: str) -> tuple[Community, Membership | None]:
    community = get_object_or_404(Community.objects.readable_by(request.user), slug=slug)
    return community, membership_of(request.user, community)


def get_meeting(request, slug: str, pk: int) -> tuple[Meeting, Membership | None]:
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("community", "series"),
        community__slug=slug,
        pk=pk,
    )
    return meeting, membership_of(request.user, meeting.community)
