"""Members report posts and comments; authors of hidden content ask for a review.

Members reach what they report through the scoped querysets (what they may not
read is a 404); the moderation services record the report or the request.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.access import access_community, community_context
from communities.models import Community, Membership
from communities.permissions import check_can_report_in
from config.htmx import add_service_error, error_text, is_fragment

from .. import moderation
from ..forms.moderation import (
    ReportForm,
    ReviewRequestForm,
)
from ..models import Comment, Post
from ..permissions import check_can_report


def _readable_post(request, community: Community, pk: int) -> Post:
    return get_object_or_404(
        Post.objects.visible_to(request.user).select_related("community", "author"),
        pk=pk,
        community=community,
    )


def _readable_comment(request, community: Community, pk: int) -> Comment:
    return get_object_or_404(
        Comment.objects.visible_to(request.user).select_related("post__community", "author"),
        pk=pk,
        post__community=community,
    )


def _report_page(request, community: Community, viewer: Membership | None, item, kind: str):
    """The report form for a post or comment (the full page, or the panel for htmx)."""
    check_can_report_in(request.user, community, viewer)
    choices = moderation.rule_choices(community)
    existing = moderation.report_of(request.user, item)
    refusal = ""
    if existing is None:
        try:
            check_can_report(request.user, item, viewer)
        except ValidationError as error:
            refusal = error_text(error)
    form = ReportForm(request.POST or None, choices=choices)
    done = False
    if request.method == "POST" and existing is None and not refusal and form.is_valid():
        try:
            existing = moderation.report_create(
                reporter=request.user,
                rule_id=form.cleaned_data["rule"],
                note=form.cleaned_data["note"],
                **{kind: item},
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            done = True
            if not is_fragment(request):
                messages.success(
                    request, _("Thank you. The facilitators will review what you reported.")
                )
                return redirect(moderation.item_url(item))
    context = community_context(
        request.user,
        community,
        viewer,
        tab="posts",
        item=item,
        kind=kind,
        post=item if kind == "post" else item.post,
        form=form,
        report=existing,
        refusal=refusal,
        done=done,
        item_url=moderation.item_url(item),
        action_url=request.path,
    )
    if is_fragment(request):
        if request.GET.get("cancel"):
            return render(request, "communities/report_form.html#closed", context)
        return render(request, "communities/report_form.html#panel", context)
    return render(request, "communities/report_form.html", context)


@login_required
def report_post(request, slug: str, pk: int):
    community, viewer = access_community(request.user, slug, to="read")
    return _report_page(request, community, viewer, _readable_post(request, community, pk), "post")


@login_required
def report_comment(request, slug: str, pk: int):
    community, viewer = access_community(request.user, slug, to="read")
    return _report_page(
        request, community, viewer, _readable_comment(request, community, pk), "comment"
    )


def _ask_for_review(request, item, kind: str):
    form = ReviewRequestForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        moderation.review_request(by=request.user, note=note, **{kind: item})
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("You asked for a review. A facilitator will look at it again."),
        )
    return redirect(moderation.item_url(item))


@login_required
@require_POST
def request_review_post(request, slug: str, pk: int):
    community, viewer = access_community(request.user, slug, to="read")
    return _ask_for_review(request, _readable_post(request, community, pk), "post")


@login_required
@require_POST
def request_review_comment(request, slug: str, pk: int):
    community, viewer = access_community(request.user, slug, to="read")
    return _ask_for_review(request, _readable_comment(request, community, pk), "comment")
