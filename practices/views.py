"""Posts and the conversation around them: the feed, writing, reading, reacting, commenting.

Reads go through `Post.objects.visible_to` / `Comment.objects.visible_to` (what a person
may not read is a 404); writes go through `practices.services`. A plain form post gets a
redirect and a message; an htmx request gets the updated fragment of the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from taggit.models import Tag

from communities import moderation
from communities.models import Community, Membership
from communities.permissions import can_contribute, can_report, get_membership, is_facilitator
from communities.shortcuts import community_context, get_readable_community
from config.htmx import add_service_error, error_text, is_fragment, login_url
from config.pagination import keyset_page

from . import services
from .forms import AppliedForm, CommentEditForm, CommentForm, FeedFilterForm, HideForm, PostForm
from .models import Bookmark, Comment, Post, PostFollow, PostTag, Reaction
from .querysets import DEFAULT_FEED_SORT, FEED_SORTS
from .tags import normalise_tag, parse_tags

FEED_PAGE_SIZE = 20
PINNED_LIMIT = 10
COMMENTS_PAGE_SIZE = 50
APPLIED_NOTES_LIMIT = 50
TOPIC_SUGGESTIONS = 300
LIST_PAGE_SIZE = 20
WAITING_MESSAGE = gettext_lazy(
    "Thank you. The facilitators approve a new member's first posts; yours is waiting for "
    "approval, and only you and they can see it until then."
)

SECTION_LABELS = {
    Post.Kind.EXPERIENCE: {
        "situation": gettext_lazy("Situation"),
        "tried": gettext_lazy("What I tried"),
        "happened": gettext_lazy("What happened"),
        "learned": gettext_lazy("What I learned"),
        "recommend": gettext_lazy("What I would recommend"),
    },
    Post.Kind.CHALLENGE: {
        "situation": gettext_lazy("The situation"),
        "tried": gettext_lazy("What I already tried"),
        "help_wanted": gettext_lazy("What would help"),
    },
}


def sections(kind: str, values: dict) -> list[dict]:
    """The filled-in sections of a post (or a revision, or a preview), in reading order."""
    return [
        {"key": key, "label": label, "text": values.get(key) or ""}
        for key, label in SECTION_LABELS[kind].items()
        if (values.get(key) or "").strip()
    ]


def _contribution_notice(request, community: Community) -> dict | None:
    """Why the viewer cannot post here, with the one link that helps; None if they can."""
    user = request.user
    if can_contribute(user, community):
        return None
    membership = get_membership(user, community)
    if community.is_archived:
        return {
            "text": _(
                "This community is archived: you can read everything, but nobody posts any more."
            )
        }
    if not user.is_authenticated:
        return {
            "text": _("Sign in and join this community to share an experience or ask a question."),
            "url": login_url(request),
            "link": _("Sign in"),
        }
    if membership and membership.status == Membership.Status.BANNED:
        return {"text": _("You can no longer post in this community.")}
    if membership and membership.is_active and membership.needs_charter_acceptance:
        return {
            "text": _("The rules of this community changed. Accept the new rules to post again."),
            "url": reverse("communities:charter", args=[community.slug]),
            "link": _("Read and accept the rules"),
        }
    if membership and membership.is_active and community.is_planning:
        return {"text": _("While the community is being prepared, only the founding team posts.")}
    return {
        "text": _("Join this community to share an experience or ask a question."),
        "url": community.get_absolute_url(),
        "link": _("Join the community"),
    }


# --- The feed -------------------------------------------------------------------------


def _feed_page(request, community: Community, form: FeedFilterForm, *, tag: Tag | None = None):
    filters = form.filters()
    if tag is not None:
        filters["tag"] = tag.slug
    sort = filters["sort"]
    cursor = request.GET.get("after") or None
    posts = Post.objects.visible_to(request.user).for_feed(community, **filters)
    pinned = []
    if sort == DEFAULT_FEED_SORT:
        # Starter posts lead the default order; they are not repeated further down.
        posts = posts.filter(is_pinned=False)
        if cursor is None:
            pinned = list(
                Post.objects.visible_to(request.user)
                .for_feed(community, **filters)
                .pinned()
                .prefetch_related(None)[:PINNED_LIMIT]
            )
    page = keyset_page(
        posts.prefetch_related(None),
        ordering=FEED_SORTS[sort],
        cursor=cursor,
        size=FEED_PAGE_SIZE,
    )
    # One query for the topics of every post on the page, pinned ones included.
    prefetch_related_objects([*pinned, *page.object_list], "tags")
    is_filtered = bool(
        filters["kind"] or filters["outcome"] or filters["open_challenges"] or filters["tag"]
    )
    return {
        "form": form,
        "posts": page.object_list,
        "pinned": pinned,
        "page": page,
        "sort": sort,
        "is_first_page": cursor is None,
        "is_filtered": is_filtered or tag is not None,
        "active_tag": tag,
        "can_contribute": can_contribute(request.user, community),
        "contribution_notice": _contribution_notice(request, community),
    }


def feed(request, slug: str):
    community = get_readable_community(request, slug)
    form = FeedFilterForm(request.GET)
    tag = None
    if form.is_valid() and (tag_slug := form.cleaned_data.get("tag")):
        tag = Tag.objects.filter(slug=tag_slug).first()
    context = community_context(
        request, community, tab="posts", **_feed_page(request, community, form, tag=tag)
    )
    return render(request, "practices/post_list.html", context)


def community_tag(request, slug: str, tag: str):
    community = get_readable_community(request, slug)
    found = (
        Tag.objects.filter(slug=tag).first()
        or Tag.objects.filter(name__iexact=normalise_tag(tag)).first()
    )
    if found is None:
        raise Http404
    form = FeedFilterForm(request.GET)
    context = community_context(
        request, community, tab="posts", **_feed_page(request, community, form, tag=found)
    )
    return render(request, "practices/post_list.html", context)


# --- Writing --------------------------------------------------------------------------


def _community_topics(community: Community) -> list[str]:
    """Topic names already used in the community, for the topic field's suggestions."""
    return list(
        Tag.objects.filter(
            pk__in=PostTag.objects.filter(
                content_object__community=community,
                content_object__status=Post.Status.PUBLISHED,
            ).values("tag_id")
        )
        .order_by("name")
        .values_list("name", flat=True)[:TOPIC_SUGGESTIONS]
    )


def _preview_context(kind: str, data) -> dict:
    values = {f: data.get(f, "") for f in services.content_fields(kind)}
    outcome = values.get("outcome", "")
    return {
        "preview_kind": kind,
        "preview_title": (data.get("title") or "").strip(),
        "preview_sections": sections(kind, values),
        "preview_outcome": Post.Outcome(outcome).label if outcome in Post.Outcome.values else "",
        "preview_tags": parse_tags(data.get("tags", "")),
    }


def _form_page(request, community: Community, form: PostForm, *, post: Post | None, **extra):
    context = community_context(
        request,
        community,
        tab="posts",
        form=form,
        kind=form.kind,
        post=post,
        topics=_community_topics(community),
        is_draft=post is None or post.status == Post.Status.DRAFT,
        **extra,
    )
    return render(request, "practices/post_form.html", context)


def _action(request) -> str:
    action = request.POST.get("action", "publish")
    return action if action in ("publish", "draft", "preview") else "publish"


@login_required
def post_create(request, slug: str, kind: str):
    community = get_readable_community(request, slug)
    if kind not in Post.Kind.values:
        raise Http404
    if not can_contribute(request.user, community):
        notice = _contribution_notice(request, community)
        messages.info(request, notice["text"] if notice else _("You cannot post here."))
        return redirect("practices:feed", slug=community.slug)
    action = _action(request) if request.method == "POST" else ""
    form = PostForm(request.POST or None, kind=kind, publishing=action != "draft")
    extra = _preview_context(kind, request.POST) if form.is_bound else {}
    if action == "preview":
        # A preview is not a submission: show what was typed, without errors.
        form = PostForm(kind=kind, initial=request.POST.dict())
    if action in ("publish", "draft") and form.is_valid():
        try:
            post = services.post_create(
                community=community,
                author=request.user,
                kind=kind,
                data=form.service_data(),
                tags=form.service_tags(),
                publish=action == "publish",
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
    return _form_page(request, community, form, post=None, **extra)


@login_required
def post_edit(request, slug: str, pk: int):
    post = _get_post(request, slug, pk, with_drafts=True)
    if post.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author can edit this post."))
    community = post.community
    action = _action(request) if request.method == "POST" else ""
    publishing = action == "publish" or (action != "draft" and post.is_published)
    form = PostForm.for_post(post, request.POST or None, publishing=publishing)
    # The preview starts with what is saved, then follows what is typed.
    extra = _preview_context(post.kind, request.POST if form.is_bound else form.initial)
    if action == "preview":
        form = PostForm(kind=post.kind, initial=request.POST.dict())
    if action in ("publish", "draft") and form.is_valid():
        was_draft = post.status == Post.Status.DRAFT
        try:
            post = services.post_update(
                post=post,
                editor=request.user,
                data=form.service_data(),
                tags=form.service_tags(),
                publish=action == "publish",
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
    return _form_page(request, community, form, post=post, **extra)


@login_required
@require_POST
def preview(request):
    kind = request.POST.get("kind", "")
    if kind not in Post.Kind.values:
        kind = Post.Kind.EXPERIENCE
    return render(request, "practices/post_form.html#preview", _preview_context(kind, request.POST))


@login_required
def post_delete(request, slug: str, pk: int):
    post = _get_post(request, slug, pk, with_drafts=True)
    if post.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author can delete this post."))
    if request.method == "POST":
        services.post_delete(post=post, by=request.user)
        if post.published_at:
            messages.success(request, _("Your post was deleted."))
            return redirect("practices:feed", slug=post.community.slug)
        messages.success(request, _("Your draft was deleted."))
        return redirect("practices:drafts")
    context = community_context(request, post.community, tab="posts", post=post)
    return render(request, "practices/post_confirm_delete.html", context)


# --- Reading a post -------------------------------------------------------------------


def _get_post(request, slug: str, pk: int, *, with_drafts: bool = False) -> Post:
    """The post if the viewer may read it (their own drafts too when asked); else 404."""
    user = request.user
    posts = Post.objects.visible_to(user)
    if with_drafts:
        posts = posts | Post.objects.drafts_of(user) | Post.objects.pending_visible_to(user)
    if user.is_authenticated:
        posts = posts.annotate(
            viewer_helpful=Exists(
                Reaction.objects.filter(post=OuterRef("pk"), user=user, kind=Reaction.Kind.HELPFUL)
            ),
            viewer_applied=Exists(
                Reaction.objects.filter(post=OuterRef("pk"), user=user, kind=Reaction.Kind.APPLIED)
            ),
            viewer_bookmarked=Exists(Bookmark.objects.filter(post=OuterRef("pk"), user=user)),
            viewer_following=Exists(PostFollow.objects.filter(post=OuterRef("pk"), user=user)),
        )
    return get_object_or_404(
        posts.select_related("community", "author"), pk=pk, community__slug=slug
    )


def _post_flags(request, post: Post) -> dict:
    """What the viewer may do with this post; templates only read these flags."""
    user = request.user
    community = post.community
    is_author = user.is_authenticated and post.author_id == user.pk
    contributor = can_contribute(user, community)
    facilitator = is_facilitator(user, community)
    published = post.is_published
    reporter = published and can_report(user, community)
    return {
        "is_author": is_author,
        "can_contribute": contributor,
        "can_react": published and contributor and not is_author,
        "can_save": published and user.is_authenticated,
        "can_edit": is_author and (contributor or post.status == Post.Status.DRAFT),
        "can_delete": is_author,
        "can_pin": published and facilitator,
        "can_hide": published and (facilitator or (user.is_authenticated and user.is_staff)),
        "can_comment": published and contributor,
        "can_mark_helpful": post.is_challenge
        and published
        and services.can_mark_helpful(user, post),
        "is_facilitator": facilitator,
        # Reporting: members report what others wrote, while it is visible.
        "can_report": reporter and not is_author and not post.is_hidden,
        "can_report_comments": reporter,
        "can_request_review": published and moderation.can_request_review(user, post),
        "review_pending": moderation.review_is_pending(post),
        "is_pending": post.status == Post.Status.PENDING,
    }


def _applied_notes(post: Post) -> list[Reaction]:
    """Who applied an experience, with their one-line notes (challenges are not applied)."""
    if post.kind != Post.Kind.EXPERIENCE or not post.applied_count:
        return []
    return list(
        Reaction.objects.filter(post=post, kind=Reaction.Kind.APPLIED)
        .select_related("user")
        .order_by("-created_at")[:APPLIED_NOTES_LIMIT]
    )


def _actions_context(request, post: Post, *, error: str = "") -> dict:
    return {
        "community": post.community,
        "post": post,
        "applied_notes": _applied_notes(post),
        "applied_form": AppliedForm(),
        "action_error": error,
        **_post_flags(request, post),
    }


def _decorate(comment: Comment, *, user, flags: dict, is_reply: bool) -> Comment:
    mine = user.is_authenticated and comment.author_id == user.pk
    comment.is_reply = is_reply
    comment.can_edit = mine and flags["can_contribute"]
    comment.can_delete = mine
    comment.can_hide = flags["can_hide"]
    comment.can_mark = flags["can_mark_helpful"] and not (mine and flags["is_author"])
    comment.can_report = flags["can_report_comments"] and not mine and not comment.is_hidden
    comment.can_request_review = mine and moderation.can_request_review(user, comment)
    comment.review_pending = moderation.review_is_pending(comment)
    return comment


def _conversation_context(
    request,
    post: Post,
    *,
    page_number=None,
    comment_form: CommentForm | None = None,
    reply_form: CommentForm | None = None,
    reply_to: int | None = None,
    edit_form: CommentEditForm | None = None,
    error: str = "",
    flags: dict | None = None,
) -> dict:
    """Top-level comments 50 a page (helpful answers first), each with its replies."""
    user = request.user
    flags = flags if flags is not None else _post_flags(request, post)
    if not post.is_published:
        return {"post": post, "comments_page": None, **flags}
    replies = Comment.objects.visible_to(user).select_related("author").order_by("created_at", "pk")
    top_level = (
        Comment.objects.visible_to(user)
        .filter(post=post, parent__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))
        .order_by(F("marked_helpful_at").asc(nulls_last=True), "created_at", "pk")
    )
    page = Paginator(top_level, COMMENTS_PAGE_SIZE).get_page(page_number)
    for comment in page.object_list:
        _decorate(comment, user=user, flags=flags, is_reply=False)
        for reply in comment.visible_replies:
            _decorate(reply, user=user, flags=flags, is_reply=True)
        comment.reply_form = (
            reply_form if reply_to == comment.pk else CommentForm(initial={"parent": comment.pk})
        )
        comment.reply_open = reply_to == comment.pk
    if edit_form is not None:
        # The comment being edited keeps what was typed and shows why it was refused.
        for comment in page.object_list:
            for item in (comment, *comment.visible_replies):
                if item.pk == edit_form.instance.pk:
                    item.edit_form = edit_form
    return {
        "post": post,
        "comments_page": page,
        "comment_form": comment_form or CommentForm(),
        "conversation_error": error,
        "contribution_notice": (
            None if flags["can_comment"] else _contribution_notice(request, post.community)
        ),
        **flags,
    }


def _render_detail(request, post: Post, *, status: int = 200, rejection=None, **conversation):
    flags = _post_flags(request, post)
    context = community_context(
        request,
        post.community,
        tab="posts",
        post=post,
        rejection=rejection,
        sections=sections(post.kind, {f: getattr(post, f) for f in SECTION_LABELS[post.kind]}),
        tags=list(post.tags.all()),
        applied_notes=_applied_notes(post),
        applied_form=AppliedForm(),
        hide_form=HideForm(),
        **flags,
    )
    context.update(
        _conversation_context(
            request,
            post,
            page_number=conversation.pop("page_number", request.GET.get("page")),
            flags=flags,
            **conversation,
        )
    )
    return render(request, "practices/post_detail.html", context, status=status)


def post_detail(request, slug: str, pk: int):
    post = _get_post(request, slug, pk, with_drafts=True)
    rejection = None
    if post.status == Post.Status.DRAFT:
        rejection = moderation.rejection_of(post)
    return _render_detail(request, post, rejection=rejection)


def post_history(request, slug: str, pk: int):
    post = _get_post(request, slug, pk)
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
        request, post.community, tab="posts", post=post, revisions=revisions
    )
    return render(request, "practices/post_history.html", context)


# --- Acting on a post -----------------------------------------------------------------


def _after_post_action(request, post: Post, partial: str, *, error: str = "", notice: str = ""):
    """htmx: the refreshed part of the page. Otherwise back to the post with a message."""
    if is_fragment(request):
        post = _get_post(request, post.community.slug, post.pk)
        if partial == "actions":
            context = _actions_context(request, post, error=error)
        else:
            context = {
                "community": post.community,
                "post": post,
                "action_error": error,
                "hide_form": HideForm(),
                **_post_flags(request, post),
            }
        return render(request, f"practices/post_detail.html#{partial}", context)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(post)


def _flag(request, name: str = "active") -> bool:
    return request.POST.get(name, "1") in ("1", "true", "on")


@login_required
@require_POST
def post_react(request, slug: str, pk: int):
    post = _get_post(request, slug, pk)
    kind = request.POST.get("kind", "")
    active = _flag(request)
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
    post = _get_post(request, slug, pk)
    active = services.bookmark_set(post=post, user=request.user, active=_flag(request))
    notice = _("Saved to your bookmarks.") if active else _("Removed from your bookmarks.")
    return _after_post_action(request, post, "actions", notice=notice)


@login_required
@require_POST
def post_follow(request, slug: str, pk: int):
    post = _get_post(request, slug, pk)
    active = services.post_follow_set(post=post, user=request.user, active=_flag(request))
    notice = (
        _("You will hear about new comments.")
        if active
        else _("You no longer follow this conversation.")
    )
    return _after_post_action(request, post, "actions", notice=notice)


@login_required
@require_POST
def post_pin(request, slug: str, pk: int):
    post = _get_post(request, slug, pk)
    pinned = _flag(request, "pinned")
    services.post_set_pinned(post=post, by=request.user, pinned=pinned)
    notice = (
        _("Pinned as a starter post for new members.") if pinned else _("No longer a starter post.")
    )
    return _after_post_action(request, post, "moderation", notice=notice)


@login_required
@require_POST
def post_hide(request, slug: str, pk: int):
    post = _get_post(request, slug, pk)
    hidden = _flag(request, "hidden")
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


# --- The conversation -----------------------------------------------------------------


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
    post = _get_post(request, post.community.slug, post.pk)
    context = {
        "community": post.community,
        **_conversation_context(request, post, **kwargs),
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
    post = _get_post(request, slug, pk)
    form = CommentForm(request.POST)
    raw_parent = request.POST.get("parent", "")
    parent_id = int(raw_parent) if raw_parent.isdigit() else None
    parent = None
    if parent_id:
        parent = get_object_or_404(
            Comment.objects.visible_to(request.user), pk=parent_id, post=post
        )
    if form.is_valid():
        try:
            comment = services.comment_create(
                post=post, author=request.user, body=form.cleaned_data["body"], parent=parent
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
    forms = {"reply_form": form, "reply_to": parent_id} if parent_id else {"comment_form": form}
    if is_fragment(request):
        return _render_conversation(request, post, page_number=_page_from_post(request), **forms)
    return _render_detail(request, post, page_number=_page_from_post(request), **forms)


def _get_comment(request, pk: int) -> Comment:
    return get_object_or_404(
        Comment.objects.visible_to(request.user).select_related("post__community", "author"), pk=pk
    )


@login_required
def comment_edit(request, pk: int):
    comment = _get_comment(request, pk)
    post = comment.post
    if comment.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author can edit this comment."))
    form = CommentEditForm(request.POST or None, instance=comment)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(
                comment=comment, editor=request.user, body=form.cleaned_data["body"]
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
        request, post.community, tab="posts", post=post, comment=comment, form=form
    )
    return render(request, "practices/comment_form.html", context)


@login_required
def comment_delete(request, pk: int):
    comment = _get_comment(request, pk)
    post = comment.post
    if comment.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author can delete this comment."))
    if request.method == "POST":
        services.comment_delete(comment=comment, by=request.user)
        if is_fragment(request):
            return _render_conversation(request, post, page_number=_page_from_post(request))
        messages.success(request, _("Your comment was deleted."))
        return redirect(post)
    context = community_context(request, post.community, tab="posts", post=post, comment=comment)
    return render(request, "practices/comment_confirm_delete.html", context)


@login_required
@require_POST
def comment_helpful(request, pk: int):
    comment = _get_comment(request, pk)
    post = comment.post
    helpful = _flag(request, "helpful")
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
    comment = _get_comment(request, pk)
    post = comment.post
    hidden = _flag(request, "hidden")
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


# --- The member's own lists -----------------------------------------------------------


@login_required
def bookmarks(request):
    posts = (
        Post.objects.visible_to(request.user)
        .filter(bookmarks__user=request.user)
        .order_by("-bookmarks__created_at", "-pk")
        .with_list_related()
    )
    page = Paginator(posts, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practices/bookmark_list.html", {"page": page})


@login_required
def drafts(request):
    posts = (
        (Post.objects.drafts_of(request.user) | Post.objects.pending_of(request.user))
        .select_related("community")
        .order_by("-created_at")
    )
    page = Paginator(posts, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practices/draft_list.html", {"page": page})
