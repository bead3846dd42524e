"""A community's feed of experiences and challenges, and its topic pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from taggit.models import Tag

from communities.access import access_community, community_context
from communities.models import Community, Membership
from communities.permissions import check_can_contribute
from config.htmx import is_fragment
from config.page_cache import community_pages, shared_with_visitors
from config.pagination import keyset_page
from config.permissions import can

from .. import services
from ..feeds import feed_alternates
from ..forms.posts import FeedFilterForm
from ..models import Post
from ..permissions import check_can_track_reading
from ..querysets import DEFAULT_FEED_SORT, FEED_SORTS, prefetch_topics
from ..tags import normalise_tag
from .flags import contribution_notice

FEED_PAGE_SIZE = 20
PINNED_LIMIT = 10


def _feed_page(
    request,
    community: Community,
    viewer: Membership | None,
    form: FeedFilterForm,
    *,
    tag: Tag | None = None,
) -> dict:
    filters = form.filters()
    if tag is not None:
        filters["tag"] = tag.slug
    sort = filters["sort"]
    cursor = request.GET.get("after") or None
    # The door opened the community for reading and returned the viewer's standing.
    visible = Post.objects.visible_in(community, request.user, viewer)
    tracks_reading = can(check_can_track_reading, request.user, community, viewer)
    if tracks_reading:
        # "New" and "3 new comments": columns of the page's own query, written nothing.
        visible = visible.with_unread(request.user, membership=viewer)
    posts = visible.for_feed(community, **filters)
    if tag is not None and tag.pk is None:
        posts = posts.none()
    pinned = []
    if sort == DEFAULT_FEED_SORT and not (tag is not None and tag.pk is None):
        # Starter posts lead the default order; they are not repeated further down.
        posts = posts.filter(is_pinned=False)
        if cursor is None:
            pinned = list(
                visible.for_feed(community, **filters)
                .pinned()
                .prefetch_related(None)[:PINNED_LIMIT]
            )
    page = keyset_page(
        posts.prefetch_related(None),
        ordering=FEED_SORTS[sort],
        cursor=cursor,
        size=FEED_PAGE_SIZE,
    )
    # One query for the topics of every post on the page, pinned ones included.
    prefetch_topics([*pinned, *page.object_list])
    is_filtered = bool(
        filters["kind"] or filters["outcome"] or filters["open_challenges"] or filters["tag"]
    )
    return {
        "form": form,
        "posts": page.object_list,
        "pinned": pinned,
        "page": page,
        "sort": sort,
        "is_first_page": cursor is None,
        "is_filtered": is_filtered or tag is not None,
        "active_tag": tag,
        "can_contribute": can(check_can_contribute, request.user, community, viewer),
        "can_mark_read": tracks_reading,
        "contribution_notice": contribution_notice(request, community, viewer),
    }


def _fresh_on_return(response, page: dict):
    """A feed with the member's read markers is not kept for the Back button: coming
    back from a post, the browser asks again and the post's "New" is gone."""
    if page["can_mark_read"]:
        patch_cache_control(response, private=True, no_store=True)
    return response


def _feed_tag(form: FeedFilterForm) -> Tag | None:
    if form.is_valid() and (tag_slug := form.cleaned_data.get("tag")):
        return Tag.objects.filter(slug=tag_slug).first()
    return None


@shared_with_visitors(community_pages)
def feed(request, slug: str):
    community, viewer = access_community(request.user, slug, to="read")
    form = FeedFilterForm(request.GET)
    tag = _feed_tag(form)
    page = _feed_page(request, community, viewer, form, tag=tag)
    # The door opened the community to read: `can_read` is what it checked.
    context = community_context(request.user, community, viewer, tab="posts", can_read=True, **page)
    stream = "questions" if page["form"].filters()["open_challenges"] else "experiences"
    context["feed_links"] = feed_alternates(
        request.user, community, stream=stream, tag=tag.slug if tag else ""
    )
    return _fresh_on_return(render(request, "practices/post_list.html", context), page)


@shared_with_visitors(community_pages)
def community_tag(request, slug: str, tag: str):
    community, viewer = access_community(request.user, slug, to="read")
    found = (
        Tag.objects.filter(slug=tag).first()
        or Tag.objects.filter(name__iexact=normalise_tag(tag)).first()
    )
    if found is None:
        # An unknown topic looks like a topic without posts here, so the page does not
        # tell whether a topic is used in communities the viewer cannot read.
        found = Tag(name=normalise_tag(tag) or tag)
    page = _feed_page(request, community, viewer, FeedFilterForm(request.GET), tag=found)
    # The door opened the community to read: `can_read` is what it checked.
    context = community_context(request.user, community, viewer, tab="posts", can_read=True, **page)
    # Announced for any topic, used or not: an unknown topic's feed is empty, as its page.
    context["feed_links"] = feed_alternates(
        request.user, community, tag=found.slug or slugify(found.name)
    )
    return _fresh_on_return(render(request, "practices/post_list.html", context), page)


@login_required
@require_POST
def mark_read(request, slug: str):
    """ "Mark all as read" on a community's feed. htmx gets the feed's posts again, now
    without their markers; otherwise back to the feed (same filters) with a message."""
    community, viewer = access_community(request.user, slug, to="read")
    services.community_mark_read(community=community, user=request.user, membership=viewer)
    if not is_fragment(request):
        messages.success(
            request,
            _("Everything in %(community)s is marked as read.") % {"community": community.name},
        )
        feed_url = reverse("practices:feed", args=[community.slug])
        query = request.GET.urlencode()
        return redirect(f"{feed_url}?{query}" if query else feed_url)
    form = FeedFilterForm(request.GET)
    page = _feed_page(request, community, viewer, form, tag=_feed_tag(form))
    context = community_context(
        request.user, community, viewer, tab="posts", can_read=True, marked_read=True, **page
    )
    return render(request, "practices/post_list.html#feed_posts", context)
