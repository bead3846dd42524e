"""The conversation under a post: comments, replies, edits, helpful answers, hiding."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.access import community_context
from config.htmx import add_service_error, error_text, is_fragment
from config.uploads import redirects_for_upload_script

from .. import attachments, moderation, services
from ..access import access_comment, access_post
from ..forms.posts import REPLY_FILES, AttachmentsForm, CommentEditForm, CommentForm, HideForm
from ..models import Comment, Post
from ..permissions import check_can_delete_comment, check_can_edit_comment
from .common import flag_from_post
from .reading import COMMENTS_PAGE_SIZE, conversation_context, render_detail


def _comment_page_number(post: Post, comment: Comment, user) -> int:
    """The page of the conversation on which `comment` (or its thread) appears."""
    top = comment.parent or comment
    before = Comment.objects.visible_to(user).filter(post=post, parent__isnull=True)
    if top.marked_helpful_at is not None:
        before = before.filter(
            Q(marked_helpful_at__lt=top.marked_helpful_at)
            | Q(marked_helpful_at=top.marked_helpful_at, created_at__lt=top.created_at)
        )
    else:
        before = before.filter(
            Q(marked_helpful_at__isnull=False)
            | Q(created_at__lt=top.created_at)
            | Q(created_at=top.created_at, pk__lt=top.pk)
        )
    return before.count() // COMMENTS_PAGE_SIZE + 1


def _comment_url(post: Post, comment: Comment, user) -> str:
    page = _comment_page_number(post, comment, user)
    query = f"?page={page}" if page > 1 else ""
    return f"{post.get_absolute_url()}{query}#comment-{comment.pk}"


def _render_conversation(request, post: Post, **kwargs):
    post, viewer = access_post(request.user, post.community.slug, post.pk)
    context = {
        "community": post.community,
        **conversation_context(request, post, viewer, **kwargs),
        "refresh_status": True,
    }
    return render(request, "practices/post_detail.html#conversation", context)


def _page_from_post(request):
    return request.POST.get("page") or None


def _refused(request, post: Post, comment: Comment, error: ValidationError):
    """A refused action on a comment: said in the conversation (htmx) or as a message."""
    if is_fragment(request):
        return _render_conversation(
            request, post, page_number=_page_from_post(request), error=error_text(error)
        )
    messages.error(request, error_text(error))
    return redirect(_comment_url(post, comment, request.user))


@login_required
@require_POST
def comment_create(request, slug: str, pk: int):
    post, viewer = access_post(request.user, slug, pk)
    form = CommentForm(request.POST)
    raw_parent = request.POST.get("parent", "")
    parent_id = int(raw_parent) if raw_parent.isdigit() else None
    parent = None
    if parent_id:
        parent = get_object_or_404(
            Comment.objects.visible_to(request.user), pk=parent_id, post=post
        )
    # Files come with a comment or a reply (the reply form's fields carry a prefix, as
    # both forms can be on the page); those that pass are kept even when the comment
    # comes back with a problem.
    files = AttachmentsForm(
        request.POST, request.FILES, user=request.user, prefix=REPLY_FILES if parent_id else None
    )
    files_valid = files.check_and_keep()
    if form.is_valid() and files_valid:
        try:
            with transaction.atomic():
                comment = services.comment_create(
                    post=post, author=request.user, body=form.cleaned_data["body"], parent=parent
                )
                attachments.attachments_attach(
                    attachments=files.pending, post=post, comment=comment, by=request.user
                )
        except ValidationError as error:
            add_service_error(form, error)
        except PermissionDenied as error:
            # Not a problem with what was typed: the conversation says why they cannot write.
            if is_fragment(request):
                return _render_conversation(request, post, page_number=_page_from_post(request))
            messages.error(request, error_text(error))
            return redirect(post)
        else:
            if is_fragment(request):
                return _render_conversation(
                    request, post, page_number=_comment_page_number(post, comment, request.user)
                )
            messages.success(request, _("Your comment is posted."))
            return redirect(_comment_url(post, comment, request.user))
    # Keep what was typed: the form comes back with its errors, in place.
    forms = (
        {"reply_form": form, "reply_files": files, "reply_to": parent_id}
        if parent_id
        else {"comment_form": form, "comment_files": files}
    )
    if is_fragment(request):
        return _render_conversation(request, post, page_number=_page_from_post(request), **forms)
    return render_detail(request, post, viewer, page_number=_page_from_post(request), **forms)


@login_required
@redirects_for_upload_script
def comment_edit(request, pk: int):
    comment, viewer = access_comment(request.user, pk)
    post = comment.post
    check_can_edit_comment(request.user, comment, viewer)
    form = CommentEditForm(request.POST or None, instance=comment)
    # The edit page also adds and removes files; the short form under the comment sends
    # the text alone, which leaves them as they are.
    files = AttachmentsForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        existing=attachments.attached_to(post, comment),
    )
    files_valid = files.check_and_keep()
    if request.method == "POST" and form.is_valid() and files_valid:
        try:
            with transaction.atomic():
                services.comment_update(
                    comment=comment, editor=request.user, body=form.cleaned_data["body"]
                )
                for attachment in files.existing:
                    if attachment.pk in files.removed:
                        attachments.attachment_remove(attachment=attachment, by=request.user)
                attachments.attachments_attach(
                    attachments=files.pending, post=post, comment=comment, by=request.user
                )
        except ValidationError as error:
            add_service_error(form, error)
        except PermissionDenied as error:
            form.add_error(None, error_text(error))
        else:
            if is_fragment(request):
                return _render_conversation(request, post, page_number=_page_from_post(request))
            messages.success(request, _("Your comment is updated."))
            return redirect(_comment_url(post, comment, request.user))
    if request.method == "POST" and is_fragment(request):
        return _render_conversation(
            request, post, page_number=_page_from_post(request), edit_form=form
        )
    context = community_context(
        request.user,
        post.community,
        viewer,
        tab="posts",
        post=post,
        comment=comment,
        form=form,
        files=files,
    )
    return render(request, "practices/comment_form.html", context)


@login_required
def comment_delete(request, pk: int):
    comment, viewer = access_comment(request.user, pk)
    post = comment.post
    check_can_delete_comment(request.user, comment)
    if request.method == "POST":
        services.comment_delete(comment=comment, by=request.user)
        if is_fragment(request):
            return _render_conversation(request, post, page_number=_page_from_post(request))
        messages.success(request, _("Your comment was deleted."))
        return redirect(post)
    context = community_context(
        request.user, post.community, viewer, tab="posts", post=post, comment=comment
    )
    return render(request, "practices/comment_confirm_delete.html", context)


@login_required
@require_POST
def comment_helpful(request, pk: int):
    comment, _viewer = access_comment(request.user, pk)
    post = comment.post
    helpful = flag_from_post(request, "helpful")
    try:
        services.comment_mark_helpful(comment=comment, by=request.user, helpful=helpful)
    except ValidationError as error:
        return _refused(request, post, comment, error)
    if is_fragment(request):
        return _render_conversation(
            request, post, page_number=1 if helpful else _page_from_post(request)
        )
    messages.success(
        request,
        _("Marked as a helpful answer: the challenge shows as answered.")
        if helpful
        else _("No longer marked as helpful."),
    )
    return redirect(_comment_url(post, comment, request.user))


@login_required
@require_POST
def comment_hide(request, pk: int):
    comment, _viewer = access_comment(request.user, pk)
    post = comment.post
    hidden = flag_from_post(request, "hidden")
    form = HideForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if hidden:
            moderation.review_hide(by=request.user, comment=comment, reason=reason)
        else:
            moderation.review_show(by=request.user, comment=comment)
    except ValidationError as error:
        return _refused(request, post, comment, error)
    if is_fragment(request):
        return _render_conversation(request, post, page_number=_page_from_post(request))
    messages.success(
        request,
        _("The comment is hidden; its author sees why.")
        if hidden
        else _("The comment is visible again."),
    )
    return redirect(_comment_url(post, comment, request.user))
