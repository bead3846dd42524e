"""Writing a post: a new experience or challenge, editing, previewing, deleting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from taggit.models import Tag

from communities.access import access_community, community_context
from communities.models import Community, Membership
from communities.permissions import check_can_contribute
from config.htmx import add_service_error, error_text
from config.permissions import can
from config.uploads import redirects_for_upload_script

from .. import attachments, services
from ..access import access_post
from ..forms.posts import AttachmentsForm, PostForm
from ..models import Post, PostTag
from ..permissions import check_can_delete_post, check_can_edit_post, check_can_reveal_post
from ..tags import parse_tags
from .common import sections
from .flags import contribution_notice

TOPIC_SUGGESTIONS = 300
WAITING_MESSAGE = gettext_lazy(
    "Thank you. The facilitators approve a new member's first posts; yours is waiting for "
    "approval, and only you and they can see it until then."
)


def _community_topics(user, community: Community) -> list[str]:
    """Topic names used on the community's posts that `user` may read, for the topic
    field's suggestions: a tag used only on a hidden post is not suggested."""
    readable = Post.objects.visible_to(user).filter(community=community)
    return list(
        Tag.objects.filter(
            pk__in=PostTag.objects.filter(content_object__in=readable).values("tag_id")
        )
        .order_by("name")
        .values_list("name", flat=True)[:TOPIC_SUGGESTIONS]
    )


def preview_context(kind: str, data) -> dict:
    values = {f: data.get(f, "") for f in services.content_fields(kind)}
    outcome = values.get("outcome", "")
    return {
        "preview_kind": kind,
        "preview_title": (data.get("title") or "").strip(),
        "preview_sections": sections(kind, values),
        "preview_outcome": Post.Outcome(outcome).label if outcome in Post.Outcome.values else "",
        "preview_tags": parse_tags(data.get("tags", "")),
    }


def _form_page(
    request,
    community: Community,
    viewer: Membership | None,
    form: PostForm,
    *,
    post: Post | None,
    **extra,
):
    context = community_context(
        request.user,
        community,
        viewer,
        tab="posts",
        form=form,
        kind=form.kind,
        post=post,
        topics=_community_topics(request.user, community),
        is_draft=post is None or post.status == Post.Status.DRAFT,
        **extra,
    )
    return render(request, "practices/post_form.html", context)


def _action(request) -> str:
    action = request.POST.get("action", "publish")
    return action if action in ("publish", "draft", "preview") else "publish"


@login_required
@redirects_for_upload_script
def post_create(request, slug: str, kind: str):
    community, viewer = access_community(request.user, slug, to="read")
    if kind not in Post.Kind.values:
        raise Http404
    if not can(check_can_contribute, request.user, community, viewer):
        notice = contribution_notice(request, community, viewer)
        messages.info(request, notice["text"] if notice else _("You cannot post here."))
        return redirect("practices:feed", slug=community.slug)
    action = _action(request) if request.method == "POST" else ""
    allow_unnamed = community.allows_unnamed_posts
    form = PostForm(
        request.POST or None, kind=kind, publishing=action != "draft", allow_unnamed=allow_unnamed
    )
    files = AttachmentsForm(request.POST or None, request.FILES or None, user=request.user)
    files_valid = files.check_and_keep()
    extra = preview_context(kind, request.POST) if form.is_bound else {}
    if action == "preview":
        # A preview is not a submission: show what was typed, without errors.
        form = PostForm(kind=kind, initial=request.POST.dict(), allow_unnamed=allow_unnamed)
    if action in ("publish", "draft") and form.is_valid() and files_valid:
        try:
            with transaction.atomic():
                post = services.post_create(
                    community=community,
                    author=request.user,
                    kind=kind,
                    data=form.service_data(),
                    tags=form.service_tags(),
                    publish=action == "publish",
                    shared_without_name=bool(form.service_unnamed()),
                )
                attachments.attachments_attach(
                    attachments=files.pending, post=post, by=request.user
                )
        except ValidationError as error:
            add_service_error(form, error)
        except PermissionDenied as error:
            form.add_error(None, error_text(error))
        else:
            if post.is_published:
                messages.success(request, _("Published. Thank you for sharing."))
                return redirect(post)
            if post.status == Post.Status.PENDING:
                messages.success(request, WAITING_MESSAGE)
                return redirect(post)
            messages.success(request, _("Draft saved. Only you can see it until you publish it."))
            return redirect("practices:edit", slug=community.slug, pk=post.pk)
    return _form_page(request, community, viewer, form, post=None, files=files, **extra)


@login_required
@redirects_for_upload_script
def post_edit(request, slug: str, pk: int):
    post, viewer = access_post(request.user, slug, pk, with_drafts=True)
    check_can_edit_post(request.user, post, viewer)
    community = post.community
    action = _action(request) if request.method == "POST" else ""
    publishing = action == "publish" or (action != "draft" and post.is_published)
    form = PostForm.for_post(post, request.POST or None, publishing=publishing)
    files = AttachmentsForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        existing=attachments.attached_to(post),
    )
    files_valid = files.check_and_keep()
    # The preview starts with what is saved, then follows what is typed.
    extra = preview_context(post.kind, request.POST if form.is_bound else form.initial)
    if action == "preview":
        form = PostForm(
            kind=post.kind, initial=request.POST.dict(), allow_unnamed=form.allow_unnamed
        )
    if action in ("publish", "draft") and form.is_valid() and files_valid:
        was_draft = post.status == Post.Status.DRAFT
        try:
            with transaction.atomic():
                post = services.post_update(
                    post=post,
                    editor=request.user,
                    data=form.service_data(),
                    tags=form.service_tags(),
                    publish=action == "publish",
                    shared_without_name=form.service_unnamed(),
                )
                for attachment in files.existing:
                    if attachment.pk in files.removed:
                        attachments.attachment_remove(attachment=attachment, by=request.user)
                attachments.attachments_attach(
                    attachments=files.pending, post=post, by=request.user
                )
        except ValidationError as error:
            add_service_error(form, error)
        except PermissionDenied as error:
            form.add_error(None, error_text(error))
        else:
            if post.is_published:
                if was_draft:
                    messages.success(request, _("Published. Thank you for sharing."))
                else:
                    messages.success(request, _("Your changes are saved."))
                return redirect("practices:detail", slug=community.slug, pk=post.pk)
            if post.status == Post.Status.PENDING:
                messages.success(
                    request, WAITING_MESSAGE if was_draft else _("Your changes are saved.")
                )
                return redirect("practices:detail", slug=community.slug, pk=post.pk)
            messages.success(request, _("Draft saved."))
            return redirect("practices:edit", slug=community.slug, pk=post.pk)
    return _form_page(request, community, viewer, form, post=post, files=files, **extra)


@login_required
@require_POST
def preview(request):
    kind = request.POST.get("kind", "")
    if kind not in Post.Kind.values:
        kind = Post.Kind.EXPERIENCE
    return render(request, "practices/post_form.html#preview", preview_context(kind, request.POST))


@login_required
def post_reveal(request, slug: str, pk: int):
    """The author puts their name on a post shared without name: a confirm page, then a POST."""
    post, viewer = access_post(request.user, slug, pk, with_drafts=True)
    check_can_reveal_post(request.user, post)
    if request.method == "POST":
        services.post_reveal(post=post, by=request.user)
        messages.success(request, _("Your name is now shown on this post."))
        return redirect("practices:detail", slug=post.community.slug, pk=post.pk)
    context = community_context(request.user, post.community, viewer, tab="posts", post=post)
    return render(request, "practices/post_confirm_reveal.html", context)


@login_required
def post_delete(request, slug: str, pk: int):
    post, viewer = access_post(request.user, slug, pk, with_drafts=True)
    check_can_delete_post(request.user, post)
    if request.method == "POST":
        services.post_delete(post=post, by=request.user)
        if post.published_at:
            messages.success(request, _("Your post was deleted."))
            return redirect("practices:feed", slug=post.community.slug)
        messages.success(request, _("Your draft was deleted."))
        return redirect("practices:drafts")
    context = community_context(request.user, post.community, viewer, tab="posts", post=post)
    return render(request, "practices/post_confirm_delete.html", context)
