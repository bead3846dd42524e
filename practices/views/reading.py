"""Reading a post: the page with its conversation, and its edit history."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, Value
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from communities.access import community_context
from communities.models import Community, Membership
from communities.permissions import check_can_moderate
from config.htmx import is_fragment
from config.page_cache import community_pages, shared_with_visitors
from config.permissions import can

from .. import attachments, moderation, services
from ..access import access_post
from ..bylines import profile_links
from ..forms.posts import (
    REPLY_FILES,
    AppliedForm,
    AttachmentsForm,
    CommentEditForm,
    CommentForm,
    HideForm,
)
from ..models import Attachment, Comment, Post, Reaction
from ..permissions import check_can_comment, check_can_track_reading
from ..querysets import new_comment_rule
from .common import SECTION_LABELS, sections
from .flags import comment_flags, contribution_notice, post_flags

COMMENTS_PAGE_SIZE = 50
APPLIED_NOTES_LIMIT = 50


def applied_notes(post: Post) -> list[Reaction]:
    """Who applied an experience, with their one-line notes (challenges are not applied)."""
    if post.kind != Post.Kind.EXPERIENCE or not post.applied_count:
        return []
    return list(
        Reaction.objects.filter(post=post, kind=Reaction.Kind.APPLIED)
        .select_related("user")
        .order_by("-created_at")[:APPLIED_NOTES_LIMIT]
    )


def actions_context(request, post: Post, viewer: Membership | None, *, error: str = "") -> dict:
    """The post's action bar: reactions, bookmark, follow, and the flags that show them."""
    return {
        "community": post.community,
        "post": post,
        "applied_notes": applied_notes(post),
        "applied_form": AppliedForm(),
        "action_error": error,
        **post_flags(request.user, post, viewer),
    }


class _CountedPaginator(Paginator):
    """A paginator told its count, which the conversation's one aggregate already read."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _first_new(page) -> Comment | None:
    """The first new comment on the page, in reading order."""
    for comment in page.object_list:
        for item in (comment, *comment.visible_replies):
            if getattr(item, "is_new", False):
                return item
    return None


def conversation_context(
    request,
    post: Post,
    viewer: Membership | None,
    *,
    page_number=None,
    comment_form: CommentForm | None = None,
    comment_files: AttachmentsForm | None = None,
    reply_form: CommentForm | None = None,
    reply_files: AttachmentsForm | None = None,
    reply_to: int | None = None,
    edit_form: CommentEditForm | None = None,
    error: str = "",
    flags: dict | None = None,
    read_cutoff: datetime | None = None,
) -> dict:
    """Top-level comments 50 a page (helpful answers first), each with its replies.

    One reply form, for `reply_to` (opened with `?reply=`, or sent back with its errors),
    sits under its thread; every other thread has a "Reply" link that loads it there.
    With the viewer's `read_cutoff`, comments that are new to them carry `is_new`, and
    the one aggregate that counts the threads also counts the new comments.
    """
    user = request.user
    flags = flags if flags is not None else post_flags(user, post, viewer)
    if not post.is_published:
        profiles = profile_links(user, [post.author_id], mentions_in=post)
        return {
            "post": post,
            "comments_page": None,
            "profiles": profiles,
            "post_attachments": attachments_on_page(post, []),
            **flags,
        }
    # The door already decided that the viewer reads this post; their standing (do they
    # see hidden comments?) is the one resolved there, not a subquery per query.
    comments = Comment.objects.visible_on(
        post, user, moderates=can(check_can_moderate, user, post.community, viewer)
    ).for_conversation()
    counting = {"threads": Count("pk", filter=Q(parent__isnull=True))}
    if read_cutoff is not None:
        is_new = new_comment_rule(user, Value(read_cutoff))
        counting["new"] = Count("pk", filter=is_new)
    counts = comments.order_by().aggregate(**counting)
    if read_cutoff is not None:
        comments = comments.annotate(is_new=ExpressionWrapper(is_new, output_field=BooleanField()))
    replies = comments.order_by("created_at", "pk")
    top_level = (
        comments.filter(parent__isnull=True)
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))
        .order_by(F("marked_helpful_at").asc(nulls_last=True), "created_at", "pk")
    )
    paginator = _CountedPaginator(top_level, COMMENTS_PAGE_SIZE, count=counts["threads"])
    page = paginator.get_page(page_number)
    for comment in page.object_list:
        comment_flags(comment, user=user, post=post, membership=viewer, is_reply=False)
        for reply in comment.visible_replies:
            comment_flags(reply, user=user, post=post, membership=viewer, is_reply=True)
    if edit_form is not None:
        # The comment being edited keeps what was typed and shows why it was refused.
        for comment in page.object_list:
            for item in (comment, *comment.visible_replies):
                if item.pk == edit_form.instance.pk:
                    item.edit_form = edit_form
    shown = [c for top in page.object_list for c in (top, *top.visible_replies)]
    post_attachments = attachments_on_page(post, shown)
    authors = [post.author_id]
    for comment in page.object_list:
        authors += [comment.author_id, *(reply.author_id for reply in comment.visible_replies)]
    return {
        "post": post,
        "profiles": profile_links(user, authors, mentions_in=post),
        "comments_page": page,
        "post_attachments": post_attachments,
        "new_comments": counts.get("new", 0),
        "first_new_comment": _first_new(page) if counts.get("new") else None,
        "comment_form": comment_form or CommentForm(),
        "comment_files": comment_files or AttachmentsForm(user=user),
        "reply_to": reply_to if flags["can_comment"] else None,
        "reply_page": page.number,
        "reply_form": reply_form or CommentForm(),
        "reply_files": reply_files or AttachmentsForm(user=user, prefix=REPLY_FILES),
        "conversation_error": error,
        "contribution_notice": (
            None if flags["can_comment"] else contribution_notice(request, post.community, viewer)
        ),
        **flags,
    }


def attachments_on_page(post: Post, comments: list[Comment]) -> list[Attachment]:
    """The files on `post` itself, returned, and those on each of `comments` (the ones
    shown), set as their `attached`: one query for the page."""
    by_comment = {comment.pk: comment for comment in comments}
    for comment in comments:
        comment.attached = []
    on_post = []
    found = attachments.shown().filter(
        Q(comment__isnull=True) | Q(comment__in=list(by_comment)), post=post
    )
    for attachment in found.order_by("created_at", "pk"):
        attachment.post = post  # for its shown name, without a query
        if attachment.comment_id is None:
            on_post.append(attachment)
        else:
            by_comment[attachment.comment_id].attached.append(attachment)
    return on_post


def stored_sections(post: Post) -> list[dict]:
    """The post's sections with the HTML stored when it was written (`html`)."""
    found = sections(post.kind, {f: getattr(post, f) for f in SECTION_LABELS[post.kind]})
    for section in found:
        section["html"] = (post.body_html or {}).get(section["key"], "")
    return found


def render_detail(
    request,
    post: Post,
    viewer: Membership | None,
    *,
    status: int = 200,
    rejection=None,
    **conversation,
):
    flags = post_flags(request.user, post, viewer)
    context = community_context(
        request.user,
        post.community,
        viewer,
        tab="posts",
        post=post,
        rejection=rejection,
        sections=stored_sections(post),
        tags=list(post.tags.all()),
        applied_notes=applied_notes(post),
        applied_form=AppliedForm(),
        hide_form=HideForm(),
        **flags,
    )
    context.update(
        conversation_context(
            request,
            post,
            viewer,
            page_number=conversation.pop("page_number", request.GET.get("page")),
            flags=flags,
            **conversation,
        )
    )
    return render(request, "practices/post_detail.html", context, status=status)


@shared_with_visitors(community_pages)
def post_detail(request, slug: str, pk: int):
    try:
        post, viewer = access_post(request.user, slug, pk, with_drafts=True, with_read_cutoff=True)
    except Http404:
        # A signed-out member following a link to a members-only post is asked to sign
        # in and comes back here. Only where anyone may see the community exists: a
        # hidden one stays the same 404 as a community that does not exist.
        if request.user.is_authenticated:
            raise
        community = Community.objects.visible_to(request.user).filter(slug=slug).first()
        if community is None or Community.objects.readable_by(request.user).contains(community):
            raise
        messages.info(
            request,
            _("Posts in %(community)s are for its members. Sign in to read this one.")
            % {"community": community.name},
        )
        return redirect_to_login(request.get_full_path())
    reply_to = _reply_to(request)
    if reply_to is not None and is_fragment(request):
        return reply_form(request, post, viewer, reply_to)
    rejection = None
    if post.status == Post.Status.DRAFT:
        rejection = moderation.rejection_of(post)
    read_cutoff = None
    if post.is_published and can(check_can_track_reading, request.user, post.community, viewer):
        # Shown as it was before this visit; the visit itself is the page's one write.
        read_cutoff = post.read_cutoff
        services.post_mark_read(post=post, user=request.user, membership=viewer)
    return render_detail(
        request, post, viewer, rejection=rejection, reply_to=reply_to, read_cutoff=read_cutoff
    )


def _reply_to(request) -> int | None:
    """The comment whose thread gets the reply form (`?reply=<pk>`)."""
    raw = request.GET.get("reply", "")
    return int(raw) if raw.isdigit() else None


def reply_form(request, post: Post, viewer: Membership | None, reply_to: int):
    """The one reply form, for htmx to put under the thread of comment `reply_to`."""
    user = request.user
    if not can(check_can_comment, user, post, viewer):
        raise PermissionDenied
    comment = (
        Comment.objects.visible_on(
            post, user, moderates=can(check_can_moderate, user, post.community, viewer)
        )
        .for_conversation()
        .filter(pk=reply_to, parent__isnull=True)
        .first()
    )
    if comment is None:
        raise Http404
    raw_page = request.GET.get("page", "")
    context = {
        "community": post.community,
        "post": post,
        "comment": comment,
        "reply_form": CommentForm(),
        "reply_files": AttachmentsForm(user=user, prefix=REPLY_FILES),
        "reply_page": int(raw_page) if raw_page.isdigit() and int(raw_page) > 0 else 1,
    }
    return render(request, "practices/post_detail.html#reply_form", context)


def post_history(request, slug: str, pk: int):
    post, viewer = access_post(request.user, slug, pk)
    revisions = list(post.revisions.select_related("editor"))
    # Each revision is the content before an edit; compare it with what the edit made.
    newer = {f: getattr(post, f) for f in services.content_fields(post.kind)}
    newer["tags"] = sorted(post.tags.names())
    for revision in revisions:
        content = revision.content or {}
        revision.changed = {key for key, value in content.items() if newer.get(key) != value}
        newer = content
        revision.title = content.get("title", "")
        revision.sections = sections(post.kind, content)
        for section in revision.sections:
            section["changed"] = section["key"] in revision.changed
        revision.tag_names = content.get("tags", [])
        outcome = content.get("outcome", "")
        revision.outcome_label = (
            Post.Outcome(outcome).label if outcome in Post.Outcome.values else ""
        )
    context = community_context(
        request.user, post.community, viewer, tab="posts", post=post, revisions=revisions
    )
    return render(request, "practices/post_history.html", context)
