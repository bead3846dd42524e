"""Joining and leaving a community, and accepting an invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from config.htmx import login_url

from .. import services
from ..access import access_community, community_context
from ..forms import (
    JoinForm,
    RulesAcceptForm,
)
from ..models import Invitation, mask_email
from ..permissions import (
    JoinState,
    active_membership,
    join_state,
    open_invitation,
)
from .common import posted_data

JOIN_REFUSALS = {
    JoinState.MEMBER: gettext_lazy("You are already a member of this community."),
    JoinState.PENDING: gettext_lazy("Your request is waiting for the facilitators' decision."),
    JoinState.BANNED: gettext_lazy("You cannot join this community."),
    JoinState.INVITATION_ONLY: gettext_lazy(
        "This community welcomes new members by invitation only."
    ),
    JoinState.CLOSED: gettext_lazy("This community is not open for new members."),
}


@login_required
def join(request, slug: str):
    community, viewer = access_community(request.user, slug)
    state = join_state(request.user, community, viewer)
    if state == JoinState.INVITED:
        return redirect(open_invitation(request.user, community))
    charter = community.current_charter
    if state not in (JoinState.JOIN, JoinState.REQUEST) or charter is None:
        messages.info(request, JOIN_REFUSALS.get(state, JOIN_REFUSALS[JoinState.CLOSED]))
        return redirect(community)
    is_request = state == JoinState.REQUEST
    questions = list(community.questions.all()) if is_request else []
    form = JoinForm(posted_data(request), questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            if is_request:
                services.membership_request(
                    community=community,
                    user=request.user,
                    answers=form.answers(),
                    accepted_rules=form.cleaned_data["accepted_rules"],
                )
            else:
                services.membership_join(
                    community=community,
                    user=request.user,
                    accepted_rules=form.cleaned_data["accepted_rules"],
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if is_request:
                messages.success(
                    request,
                    _(
                        "Your request was sent to the facilitators of %(name)s. "
                        "We will email you when they have decided."
                    )
                    % {"name": community.name},
                )
            else:
                messages.success(
                    request,
                    _("Welcome to %(name)s! Here is how to get started.")
                    % {"name": community.name},
                )
            return redirect(community)
    context = community_context(
        request.user,
        community,
        viewer,
        tab="overview",
        charter=charter,
        form=form,
        is_request=is_request,
    )
    return render(request, "communities/community_join.html", context)


@login_required
def leave(request, slug: str):
    community, viewer = access_community(request.user, slug)
    membership = active_membership(viewer)
    if membership is None:
        messages.info(request, _("You are not a member of this community."))
        return redirect(community)
    if request.method == "POST":
        try:
            services.membership_leave(membership=membership)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("communities:leave", slug=community.slug)
        messages.success(request, _("You left %(name)s.") % {"name": community.name})
        return redirect("communities:mine")
    return render(
        request,
        "communities/community_leave.html",
        community_context(request.user, community, viewer),
    )


def invitation(request, token: str):
    """An open invitation shows its community to whoever holds the link; a used,
    withdrawn, expired or unknown one is the same neutral page, and the invited address
    is shown in full only to its owner."""
    invitation = (
        Invitation.objects.open().select_related("community", "invited_by").filter(token=token)
    ).first()
    if invitation is None:
        return render(request, "communities/invitation_invalid.html", status=404)
    community = invitation.community
    is_owner = (
        request.user.is_authenticated
        and Invitation.objects.filter(pk=invitation.pk).for_user(request.user).exists()
    )
    context = {
        "invitation": invitation,
        "community": community,
        "invited_address": invitation.email if is_owner else invitation.masked_email,
    }
    if not request.user.is_authenticated:
        here = request.get_full_path()
        context["signup_url"] = f"{reverse('account_signup')}?{urlencode({'next': here})}"
        context["login_url"] = login_url(request, here)
        return render(request, "communities/invitation_detail.html", context)
    try:
        services.invitation_check(invitation=invitation, user=request.user)
    except ValidationError as error:
        context["problems"] = error.messages
        return render(request, "communities/invitation_detail.html", context)
    charter = community.current_charter
    form = RulesAcceptForm(posted_data(request))
    if request.method == "POST" and charter is not None and form.is_valid():
        try:
            services.invitation_accept(
                invitation=invitation,
                user=request.user,
                accepted_rules=form.cleaned_data["accepted_rules"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Welcome to %(name)s! Here is how to get started.") % {"name": community.name},
            )
            return redirect(community)
    context.update(charter=charter, form=form)
    return render(request, "communities/invitation_detail.html", context)


@require_http_methods(["GET", "POST"])
def invitations_stop(request, token: str):
    """The link in every invitation email: after a confirmation, no more invitations to
    this address from anyone. The link is signed; the page shows the address masked."""
    email = services.invitation_stop_email(token)
    if email is None:
        return render(request, "communities/invitation_invalid.html", status=404)
    stopped = request.method == "POST"
    if stopped:
        services.invitation_opt_out(email=email)
    context = {"masked_email": mask_email(email), "stopped": stopped}
    return render(request, "communities/invitations_stop.html", context)
