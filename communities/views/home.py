"""A community's home page: purpose, rules, facilitators, recent posts, onboarding."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import patch_cache_control

from config.htmx import login_url
from config.page_cache import community_pages, shared_with_visitors
from config.permissions import can
from practices.feeds import feed_alternates
from practices.permissions import check_can_track_reading

from ..access import access_community, community_context
from ..models import Community, Membership
from ..permissions import (
    JoinState,
    open_invitation,
)
from .onboarding import onboarding_context


@shared_with_visitors(community_pages)
def detail(request, slug: str):
    community, viewer = access_community(request.user, slug)
    context = community_context(request.user, community, viewer, tab="overview")
    charter = community.current_charter
    context.update(
        charter=charter,
        topics=list(community.tags.all()),
        facilitators=[],
    )
    if context["can_read"]:
        context["facilitators"] = list(
            Membership.objects.facilitators()
            .filter(community=community)
            .select_related("user")
            .order_by("joined_at")
        )
    state = context["join_state"]
    if state == JoinState.ANONYMOUS:
        context["login_url"] = login_url(request)
    elif state == JoinState.INVITED:
        context["invitation"] = open_invitation(request.user, community)
    if context["can_read"]:
        context.update(_recent_posts(request.user, community, viewer))
        context["feed_links"] = feed_alternates(request.user, community)
    membership = context["membership"]
    if membership and membership.is_active and membership.onboarding_completed_at is None:
        context["show_onboarding"] = True
        context.update(onboarding_context(membership))
    response = render(request, "communities/community_detail.html", context)
    if context.get("shows_read_markers"):
        # Coming back from a post, the browser asks again: its "New" is gone.
        patch_cache_control(response, private=True, no_store=True)
    return response


RECENT_POSTS = 5


def _recent_posts(user, community: Community, viewer: Membership | None) -> dict:
    """Starter posts and the latest experiences and challenges, for readers."""
    from practices.models import Post
    from practices.querysets import prefetch_topics

    # Only for readers (`can_read`): the same rule as `visible_to`, from the door's standing.
    visible = Post.objects.visible_in(community, user, viewer)
    shows_read_markers = can(check_can_track_reading, user, community, viewer)
    if shows_read_markers:
        visible = visible.with_unread(user, membership=viewer)
    pinned = list(visible.pinned().for_list().prefetch_related(None)[:RECENT_POSTS])
    recent = list(
        visible.for_feed(community).filter(is_pinned=False).prefetch_related(None)[:RECENT_POSTS]
    )
    # One query for the topics of both lists.
    prefetch_topics([*pinned, *recent])
    return {
        "pinned_posts": pinned,
        "recent_posts": recent,
        "shows_read_markers": shows_read_markers,
    }
