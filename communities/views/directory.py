"""Finding communities: the directory, "my communities", starting a new one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from taggit.models import Tag

from config.htmx import fragment_or_page
from config.permissions import can
from practices.querysets import communities_with_new_posts, memberships_with_new_posts

from .. import services
from ..forms import (
    CommunityCreateForm,
    DirectoryFilterForm,
)
from ..models import Community, Invitation, Membership
from ..permissions import (
    check_can_manage_community,
)
from .common import posted_data, tag_named

DIRECTORY_PAGE_SIZE = 12


DIRECTORY_TOPICS = 20


def _directory_topics() -> QuerySet[Tag]:
    """The most used topics among listed communities, for browsing by topic."""
    items = "taggit_taggeditem_items"
    return (
        Tag.objects.filter(
            **{
                f"{items}__content_type": ContentType.objects.get_for_model(Community),
                f"{items}__object_id__in": Community.objects.listed().values("pk"),
            }
        )
        .annotate(uses=Count(items))
        .order_by("-uses", "name")[:DIRECTORY_TOPICS]
    )


def directory(request):
    form = DirectoryFilterForm(request.GET)
    form.is_valid()  # Invalid values (an unknown kind) are dropped; the rest still filter.
    filters = form.cleaned_data
    communities = (
        Community.objects.listed().prefetch_related("tags").order_by("-last_activity_at", "name")
    )
    if query := filters.get("q", "").strip():
        communities = communities.filter(Q(name__icontains=query) | Q(challenge__icontains=query))
    if kind := filters.get("kind"):
        communities = communities.filter(kind=kind)
    topics = list(_directory_topics())
    active_tag = None
    if slug := filters.get("tag"):
        communities = communities.filter(tags__slug=slug)
        active_tag = tag_named(slug, topics)
    # Each of the member's communities on the page says how many posts are new to them.
    communities = communities_with_new_posts(communities, request.user)
    page = Paginator(communities, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "topics": topics,
        "active_tag": active_tag,
        "is_filtered": bool(query or kind or active_tag),
        "can_create": request.user.is_authenticated,
    }
    template = fragment_or_page(request, "communities/community_list.html", "results")
    return render(request, template, context)


def _with_manage_flags(user, memberships: list[Membership]) -> list[Membership]:
    """Mark each membership with `can_manage` without a query per community."""
    for membership in memberships:
        membership.can_manage = can(
            check_can_manage_community, user, membership.community, membership
        )
    return memberships


@login_required
def mine(request):
    user = request.user
    visible = Community.objects.visible_to(user)
    memberships = _with_manage_flags(
        user, list(memberships_with_new_posts(Membership.objects.of_member(user), user))
    )
    pending = (
        Membership.objects.pending()
        .filter(user=user, community__in=visible)
        .select_related("community")
        .order_by("-requested_at")
    )
    invitations = (
        Invitation.objects.open()
        .for_user(user)
        .exclude(community__stage=Community.Stage.ARCHIVED)
        .select_related("community", "invited_by")
        .order_by("-created_at")
    )
    return render(
        request,
        "communities/community_mine.html",
        {"memberships": memberships, "pending": list(pending), "invitations": list(invitations)},
    )


@login_required
def create(request):
    # Signing in requires a verified email address (allauth's mandatory verification).
    form = CommunityCreateForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(user=request.user, **form.service_kwargs())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is started. Work through the checklist, then open it to members.")
                % {"name": community.name},
            )
            return redirect("communities:manage_launch", slug=community.slug)
    return render(request, "communities/community_form.html", {"form": form})
