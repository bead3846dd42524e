"""Acting on a post: reactions, bookmarks, follows, pinning and hiding."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.htmx import error_text, is_fragment

from .. import moderation, services
from ..access import access_post
from ..forms.posts import AppliedForm, HideForm
from ..models import Post, Reaction
from .common import flag_from_post
from .flags import post_flags
from .reading import actions_context


def _after_post_action(request, post: Post, partial: str, *, error: str = "", notice: str = ""):
    """htmx: the refreshed part of the page. Otherwise back to the post with a message."""
    if is_fragment(request):
        post, viewer = access_post(request.user, post.community.slug, post.pk)
        if partial == "actions":
            context = actions_context(request, post, viewer, error=error)
        else:
            context = {
                "community": post.community,
                "post": post,
                "action_error": error,
                "hide_form": HideForm(),
                **post_flags(request.user, post, viewer),
            }
        return render(request, f"practices/post_detail.html#{partial}", context)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(post)


@login_required
@require_POST
def post_react(request, slug: str, pk: int):
    post, _viewer = access_post(request.user, slug, pk)
    kind = request.POST.get("kind", "")
    active = flag_from_post(request)
    form = AppliedForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    error = notice = ""
    try:
        services.reaction_set(post=post, user=request.user, kind=kind, active=active, note=note)
    except (ValidationError, PermissionDenied) as exc:
        error = error_text(exc)
    else:
        if kind == Reaction.Kind.APPLIED:
            notice = _("Thanks: others see that you applied this.") if active else ""
    return _after_post_action(request, post, "actions", error=error, notice=notice)


@login_required
@require_POST
def post_bookmark(request, slug: str, pk: int):
    post, _viewer = access_post(request.user, slug, pk)
    active = services.bookmark_set(post=post, user=request.user, active=flag_from_post(request))
    notice = _("Saved to your bookmarks.") if active else _("Removed from your bookmarks.")
    return _after_post_action(request, post, "actions", notice=notice)


@login_required
@require_POST
def post_follow(request, slug: str, pk: int):
    post, _viewer = access_post(request.user, slug, pk)
    active = services.post_follow_set(post=post, user=request.user, active=flag_from_post(request))
    notice = (
        _("You will hear about new comments.")
        if active
        else _("You no longer follow this conversation.")
    )
    return _after_post_action(request, post, "actions", notice=notice)


@login_required
@require_POST
def post_pin(request, slug: str, pk: int):
    post, _viewer = access_post(request.user, slug, pk)
    pinned = flag_from_post(request, "pinned")
    services.post_set_pinned(post=post, by=request.user, pinned=pinned)
    notice = (
        _("Pinned as a starter post for new members.") if pinned else _("No longer a starter post.")
    )
    return _after_post_action(request, post, "moderation", notice=notice)


@login_required
@require_POST
def post_hide(request, slug: str, pk: int):
    post, _viewer = access_post(request.user, slug, pk)
    hidden = flag_from_post(request, "hidden")
    form = HideForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        # Through the moderation services: the decision is logged and open reports closed.
        if hidden:
            moderation.review_hide(by=request.user, post=post, reason=reason)
        else:
            moderation.review_show(by=request.user, post=post)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("The post is hidden from members; its author sees why.")
            if hidden
            else _("The post is visible again."),
        )
    return redirect(post)
