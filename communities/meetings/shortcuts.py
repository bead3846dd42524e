"""The door to meetings: scoped querysets, so what a viewer may not see is a 404, the
same 404 as for something that does not exist. Returns what it checked."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from communities.access import access_community
from communities.models import Community, Membership

from .models import Meeting
from .permissions import membership_of


def get_readable_community(request: HttpRequest, slug: str) -> tuple[Community, Membership | None]:
    """The community whose content (and so meetings) the viewer may read; else 404."""
    return access_community(request.user, slug, to="read")


def get_meeting(request: HttpRequest, slug: str, pk: int) -> tuple[Meeting, Membership | None]:
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("community", "series"),
        community__slug=slug,
        pk=pk,
    )
    return meeting, membership_of(request.user, meeting.community)
