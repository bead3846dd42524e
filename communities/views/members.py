"""Who knows what: a community's member directory."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import render
from taggit.models import Tag

from config.permissions import can

from ..access import access_community, community_context
from ..forms import (
    MemberFilterForm,
)
from ..models import HelpTag, LearnTag, Membership
from ..permissions import (
    check_can_view_members,
)
from .common import tag_named

MEMBERS_PAGE_SIZE = 24


def members(request, slug: str):
    community, viewer = access_community(request.user, slug)
    if not can(check_can_view_members, request.user, community, viewer):
        raise Http404
    form = MemberFilterForm(request.GET)
    tag = form.cleaned_data["tag"] if form.is_valid() else ""
    active = Membership.objects.active().filter(community=community)
    memberships = (
        active.select_related("user")
        .prefetch_related("can_help_with", "wants_to_learn")
        .annotate(
            role_order=Case(
                When(role=Membership.Role.FACILITATOR, then=Value(0)),
                When(role=Membership.Role.CORE, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("role_order", "user__display_name", "pk")
    )
    if tag:
        memberships = memberships.filter(
            Q(pk__in=HelpTag.objects.filter(tag__slug=tag).values("content_object_id"))
            | Q(pk__in=LearnTag.objects.filter(tag__slug=tag).values("content_object_id"))
        )
    active_ids = active.values("pk")
    topics = list(
        Tag.objects.filter(
            Q(pk__in=HelpTag.objects.filter(content_object_id__in=active_ids).values("tag_id"))
            | Q(pk__in=LearnTag.objects.filter(content_object_id__in=active_ids).values("tag_id"))
        ).order_by("name")[:40]
    )
    active_tag = tag_named(tag, topics) if tag else None
    page = Paginator(memberships, MEMBERS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = community_context(
        request.user,
        community,
        viewer,
        tab="members",
        page=page,
        topics=topics,
        active_tag=active_tag,
    )
    return render(request, "communities/community_members.html", context)
