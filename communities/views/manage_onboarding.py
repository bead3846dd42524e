"""The facilitators' choice of join questions and onboarding steps."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import services
from ..access import access_community
from ..manage_forms import (
    OnboardingForm,
    QuestionsForm,
)
from ..models import Community
from .manage import manage_context


@login_required
def questions(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
    current = list(community.questions.values_list("text", flat=True))
    form = QuestionsForm(request.POST or None, questions=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.questions_set(community=community, texts=form.texts)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Join questions saved."))
            return redirect("communities:manage_questions", community.slug)
    context = manage_context(
        request,
        community,
        viewer,
        "questions",
        form=form,
        asks_questions=community.join_policy == Community.JoinPolicy.REQUEST,
    )
    return render(request, "communities/manage/questions.html", context)


@login_required
def onboarding(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
    form = OnboardingForm(request.POST or None, instance=copy.copy(community))
    if request.method == "POST" and form.is_valid():
        try:
            services.onboarding_configure(
                community=community,
                welcome_message=form.cleaned_data["welcome_message"],
                profile=form.cleaned_data["onboarding_profile"],
                intro=form.cleaned_data["onboarding_intro"],
                pinned=form.cleaned_data["onboarding_pinned"],
                reminder_first_days=form.cleaned_data.get("reminder_first_days"),
                reminder_second_days=form.cleaned_data.get("reminder_second_days"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Welcome message and onboarding steps saved."))
            return redirect("communities:manage_onboarding", community.slug)
    context = manage_context(request, community, viewer, "onboarding", form=form)
    return render(request, "communities/manage/onboarding.html", context)
