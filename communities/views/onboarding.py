"""A new member's first steps, on the community's home page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..access import access_community, community_context
from ..forms import (
    OnboardingIntroForm,
    OnboardingProfileForm,
)
from ..models import Community, Membership
from ..permissions import (
    active_membership,
)
from .common import posted_data


def onboarding_context(
    membership: Membership,
    *,
    profile_form: OnboardingProfileForm | None = None,
    intro_form: OnboardingIntroForm | None = None,
    notice: str = "",
) -> dict:
    steps = services.onboarding_steps(membership)
    return {
        "onboarding_steps": steps,
        "onboarding_done_count": sum(step.done for step in steps),
        "onboarding_complete": all(step.done for step in steps),
        "profile_form": profile_form or OnboardingProfileForm.for_membership(membership),
        "intro_form": intro_form or OnboardingIntroForm.for_membership(membership),
        "onboarding_notice": notice,
    }


def _not_a_member(request, community: Community):
    messages.info(request, _("Join the community first."))
    return redirect(community)


def _onboarding_saved(request, community: Community, membership: Membership, notice: str):
    """htmx gets the updated checklist; a plain form post goes back to the community."""
    if request.htmx:
        context = community_context(
            request.user, community, membership, **onboarding_context(membership, notice=notice)
        )
        return render(request, "communities/community_detail.html#onboarding", context)
    messages.success(request, notice)
    return redirect(community)


def _onboarding_form_page(
    request, community: Community, membership: Membership, *, step: str, form
):
    """The step's own page, or for htmx the checklist with the form's errors in place."""
    if request.htmx:
        forms = {f"{step}_form": form}
        context = community_context(
            request.user, community, membership, **onboarding_context(membership, **forms)
        )
        return render(request, "communities/community_detail.html#onboarding", context)
    context = community_context(
        request.user, community, membership, tab="overview", form=form, step=step
    )
    return render(request, "communities/onboarding_form.html", context)


@login_required
def onboarding_profile(request, slug: str):
    community, viewer = access_community(request.user, slug)
    membership = active_membership(viewer)
    if membership is None:
        return _not_a_member(request, community)
    form = OnboardingProfileForm.for_membership(membership, posted_data(request))
    if request.method == "POST" and form.is_valid():
        services.onboarding_set_profile(
            membership=membership,
            can_help_with=form.cleaned_data["can_help_with"],
            wants_to_learn=form.cleaned_data["wants_to_learn"],
        )
        return _onboarding_saved(
            request, community, membership, _("Saved: members can now see what you know.")
        )
    return _onboarding_form_page(request, community, membership, step="profile", form=form)


@login_required
def onboarding_intro(request, slug: str):
    community, viewer = access_community(request.user, slug)
    membership = active_membership(viewer)
    if membership is None:
        return _not_a_member(request, community)
    form = OnboardingIntroForm.for_membership(membership, posted_data(request))
    if request.method == "POST" and form.is_valid():
        services.onboarding_introduce(membership=membership, intro=form.cleaned_data["intro"])
        return _onboarding_saved(
            request, community, membership, _("Thanks for introducing yourself.")
        )
    return _onboarding_form_page(request, community, membership, step="intro", form=form)


@login_required
@require_POST
def onboarding_pinned(request, slug: str):
    community, viewer = access_community(request.user, slug)
    membership = active_membership(viewer)
    if membership is None:
        return _not_a_member(request, community)
    services.onboarding_mark_pinned_read(membership=membership)
    return _onboarding_saved(request, community, membership, _("Noted: starter posts read."))
