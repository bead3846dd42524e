"""The facilitators' member management: requests, roles, removals, bans."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.htmx import error_text

from .. import services
from ..access import access_community
from ..manage_forms import (
    DecisionForm,
    MemberActionForm,
)
from ..models import Community, Membership, MembershipEvent
from .manage import manage_context

MEMBERS_PER_PAGE = 25


HISTORY_PER_MEMBER = 5


@login_required
def requests(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
    pending = community.memberships.pending().select_related("user").order_by("requested_at")
    decided = (
        MembershipEvent.objects.filter(
            membership__community=community,
            action__in=[MembershipEvent.Action.APPROVED, MembershipEvent.Action.DECLINED],
        )
        .select_related("membership__user", "actor")
        .order_by("-created_at", "-pk")[:10]
    )
    context = manage_context(
        request,
        community,
        viewer,
        "requests",
        pending=list(pending),
        decided=list(decided),
        takes_requests=community.join_policy == Community.JoinPolicy.REQUEST,
    )
    return render(request, "communities/manage/requests.html", context)


@login_required
@require_POST
def request_decide(request, slug: str, pk: int):
    community, viewer = access_community(request.user, slug, to="manage")
    membership = get_object_or_404(community.memberships.select_related("user"), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    approve = form.cleaned_data["action"] == "approve"
    decide = services.membership_approve if approve else services.membership_decline
    error = ""
    try:
        decide(membership=membership, by=request.user, message=form.cleaned_data["message"])
    except ValidationError as exc:
        error = error_text(exc)
    name = membership.user.display_name
    if approve:
        done = _("%(name)s is now a member; we emailed them.") % {"name": name}
    else:
        done = _("%(name)s's request was declined; we emailed them.") % {"name": name}
    if request.htmx:
        context = manage_context(
            request,
            community,
            viewer,
            "requests",
            membership=membership,
            error=error,
            done=done,
        )
        return render(request, "communities/manage/requests.html#decided_card", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("communities:manage_requests", community.slug)


def _members_page(request, community: Community):
    role_order = Case(
        When(role=Membership.Role.FACILITATOR, then=Value(0)),
        When(role=Membership.Role.CORE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    history = Prefetch(
        "events",
        queryset=MembershipEvent.objects.select_related("actor").order_by("-created_at", "-pk")[
            :HISTORY_PER_MEMBER
        ],
        to_attr="recent_events",
    )
    members = (
        community.memberships.active()
        .select_related("user")
        .prefetch_related(history)
        .order_by(role_order, "joined_at", "pk")
    )
    # PostgreSQL refuses NUL in text: drop it rather than fail on a crafted link.
    query = request.GET.get("q", "").replace("\x00", "").strip()
    if query:
        members = members.filter(Q(user__display_name__icontains=query))
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    for membership in page.object_list:
        # The viewer steps down through the role form; removing or banning oneself is
        # what "leave" is for.
        membership.is_viewer = membership.user_id == request.user.pk
    return page, query


@login_required
def members(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
    page, query = _members_page(request, community)
    banned = (
        community.memberships.filter(status=Membership.Status.BANNED)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=MembershipEvent.objects.filter(action=MembershipEvent.Action.BANNED)
                .select_related("actor")
                .order_by("-created_at", "-pk")[:1],
                to_attr="ban_events",
            )
        )
        .order_by("-ended_at", "pk")
    )
    context = manage_context(
        request,
        community,
        viewer,
        "members",
        page_obj=page,
        query=query,
        banned=list(banned),
        roles=Membership.Role.choices,
        required_charter_number=community.required_charter_number,
    )
    return render(request, "communities/manage/members.html", context)


@login_required
@require_POST
def member_action(request, slug: str, pk: int):
    community, viewer = access_community(request.user, slug, to="manage")
    membership = get_object_or_404(community.memberships.select_related("user"), pk=pk)
    form = MemberActionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    action = form.cleaned_data["action"]
    reason = form.cleaned_data["reason"]
    name = membership.user.display_name
    try:
        if action == "role":
            membership = services.membership_set_role(
                membership=membership, by=request.user, role=form.cleaned_data["role"]
            )
            done = _("%(name)s is now: %(role)s.") % {
                "name": name,
                "role": membership.get_role_display(),
            }
        elif action == "remove":
            services.membership_remove(membership=membership, by=request.user, reason=reason)
            done = _("%(name)s was removed from the community.") % {"name": name}
        elif action == "ban":
            services.membership_ban(membership=membership, by=request.user, reason=reason)
            done = _("%(name)s was banned and cannot join again.") % {"name": name}
        else:
            services.membership_unban(membership=membership, by=request.user)
            done = _("The ban on %(name)s was lifted; they can ask to join again.") % {"name": name}
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, done)
    url = reverse("communities:manage_members", args=[community.slug])
    page = request.POST.get("page", "")
    if page.isdigit():
        url += f"?page={page}"
    return redirect(url)
