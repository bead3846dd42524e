"""The facilitators' review queue, their decisions, pre-moderation and the moderation log.

Facilitators reach their community through `access_community(..., to="manage")` (404
when invisible, 403 when not theirs) and its content through that community only.
Writes go through `practices.moderation`. A plain form post gets a redirect and a
message; an htmx request gets the updated fragment.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Min, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from communities import services as community_services
from communities.access import access_community
from communities.models import Community, Membership, ModerationAction, Report
from communities.views.manage import manage_context
from config.htmx import error_text, is_fragment

from .. import moderation
from ..forms.moderation import (
    HIDING_ACTIONS,
    ApprovalForm,
    ReviewForm,
    SafeguardsForm,
)
from ..models import Comment, Post

QUEUE_PAGE_SIZE = 20


QUEUE_LIST_LIMIT = 50


LOG_PAGE_SIZE = 50


@dataclass
class QueueItem:
    """One reported (or hidden, under review) post or comment with what is known about it."""

    kind: str  # "post" or "comment"
    item: Post | Comment
    reports: list = field(default_factory=list)
    reasons: list = field(default_factory=list)  # [(rule title or "", count)]
    suggested_rule: str = ""
    review_note: str | None = None
    form: ReviewForm | None = None
    error: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.item.pk}"

    @property
    def post(self) -> Post:
        return self.item if self.kind == "post" else self.item.post

    @property
    def report_count(self) -> int:
        return len(self.reports)

    @property
    def notes(self) -> list:
        return [report for report in self.reports if report.note]

    @property
    def is_auto_hidden(self) -> bool:
        return self.item.is_hidden and self.item.hidden_by_id is None

    @property
    def review_pending(self) -> bool:
        return moderation.review_is_pending(self.item)

    @property
    def excerpt(self) -> str:
        return self.item.body if self.kind == "comment" else _post_text(self.item)


def _post_text(post: Post) -> str:
    """A post's text, for the facilitator to judge it without leaving the queue."""
    fields = ("situation", "tried", "happened", "learned", "recommend", "help_wanted")
    return "\n\n".join(text for f in fields if (text := getattr(post, f, "")))


def _summarise(entry: QueueItem, keys_by_title: dict[str, str]) -> QueueItem:
    counts = Counter(report.rule_title for report in entry.reports)
    entry.reasons = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0] == "", pair[0]))
    named = [title for title, _n in entry.reasons if title in keys_by_title]
    entry.suggested_rule = keys_by_title[named[0]] if named else ""
    return entry


def _group_key(post_id: int | None, comment_id: int | None) -> tuple:
    return ("comment", comment_id) if comment_id else ("post", post_id)


def _reported_page(community: Community, page_number) -> tuple:
    """Open reports grouped by item, most reported first, a page of items at a time."""
    open_reports = moderation.open_reports(community)
    groups = (
        open_reports.values("post_id", "comment_id")
        .annotate(count=Count("pk"), first=Min("created_at"))
        .order_by("-count", "first", "post_id", "comment_id")
    )
    page = Paginator(groups, QUEUE_PAGE_SIZE).get_page(page_number)
    post_ids = [g["post_id"] for g in page.object_list if g["post_id"]]
    comment_ids = [g["comment_id"] for g in page.object_list if g["comment_id"]]
    entries: dict[tuple, QueueItem] = {}
    if post_ids or comment_ids:
        reports = (
            open_reports.filter(Q(post_id__in=post_ids) | Q(comment_id__in=comment_ids))
            .select_related("reporter", "post__author", "comment__author", "comment__post")
            .order_by("created_at", "pk")
        )
        for report in reports:
            kind, item = ("comment", report.comment) if report.comment_id else ("post", report.post)
            key = _group_key(report.post_id, report.comment_id)
            entries.setdefault(key, QueueItem(kind=kind, item=item)).reports.append(report)
    keys = [_group_key(g["post_id"], g["comment_id"]) for g in page.object_list]
    return page, [entries[key] for key in keys if key in entries]


def _under_review(community: Community) -> list[QueueItem]:
    """Hidden content whose author asked for a review that nobody answered yet, unless it
    is already listed with its reports."""
    reported = moderation.open_reports(community)
    posts = (
        Post.objects.filter(
            community=community,
            status=Post.Status.PUBLISHED,
            hidden_at__isnull=False,
            review_requested_at__gt=F("hidden_at"),
        )
        .exclude(pk__in=reported.filter(post__isnull=False).values("post_id"))
        .select_related("author")
        .order_by("review_requested_at")[:QUEUE_LIST_LIMIT]
    )
    comments = (
        Comment.objects.filter(
            post__community=community,
            status=Comment.Status.VISIBLE,
            hidden_at__isnull=False,
            review_requested_at__gt=F("hidden_at"),
        )
        .exclude(pk__in=reported.filter(comment__isnull=False).values("comment_id"))
        .select_related("author", "post")
        .order_by("review_requested_at")[:QUEUE_LIST_LIMIT]
    )
    entries = [QueueItem(kind="post", item=p) for p in posts]
    entries += [QueueItem(kind="comment", item=c) for c in comments]
    return sorted(entries, key=lambda e: e.item.review_requested_at)


def _attach_review_notes(
    community: Community, entries: list[QueueItem], keys_by_title: dict[str, str]
) -> None:
    """For each pending review request: the author's words, and the rule named when the
    item was hidden (to start the decision from). One query for the page."""
    pending = [e for e in entries if e.review_pending]
    if not pending:
        return
    post_ids = [e.item.pk for e in pending if e.kind == "post"]
    comment_ids = [e.item.pk for e in pending if e.kind == "comment"]
    notes, rules = {}, {}
    for action in ModerationAction.objects.filter(
        Q(post_id__in=post_ids) | Q(comment_id__in=comment_ids),
        community=community,
        action__in=[ModerationAction.Action.REVIEW_REQUESTED, ModerationAction.Action.HIDDEN],
    ).order_by("created_at", "pk"):
        key = _group_key(action.post_id, action.comment_id)
        if action.action == ModerationAction.Action.REVIEW_REQUESTED:
            notes[key] = action.reason
        elif action.rule_title:
            rules[key] = action.rule_title
    for entry in pending:
        key = (entry.kind, entry.item.pk)
        entry.review_note = notes.get(key, "")
        if not entry.suggested_rule:
            entry.suggested_rule = keys_by_title.get(rules.get(key, ""), "")


def _review_form(entry: QueueItem, choices, data=None) -> ReviewForm:
    """Each card's form has ids of its own; the field names stay plain."""
    item = entry.item
    # Keeping a facilitator's hiding after a review starts from the reason given then.
    reason = item.hidden_reason if item.is_hidden and item.hidden_by_id else ""
    return ReviewForm(
        data,
        choices=choices,
        auto_id=f"id_{entry.key}_%s",
        initial={"rule": entry.suggested_rule, "reason": reason},
    )


def _queue_context(request, community: Community, viewer: Membership | None) -> dict:
    choices = moderation.rule_choices(community)
    keys_by_title = {choice.title: choice.key for choice in choices}
    page, reported = _reported_page(community, request.GET.get("page"))
    reviews = _under_review(community)
    for entry in (*reported, *reviews):
        _summarise(entry, keys_by_title)
    _attach_review_notes(community, [*reported, *reviews], keys_by_title)
    for entry in (*reported, *reviews):
        entry.form = _review_form(entry, choices)
    pending = list(
        Post.objects.filter(community=community, status=Post.Status.PENDING)
        .select_related("author")
        .order_by("created_at", "pk")[: QUEUE_LIST_LIMIT + 1]
    )
    for post in pending:
        post.excerpt = _post_text(post)
    return _manage_context(
        request,
        community,
        viewer,
        page_obj=page,
        reported=reported,
        reviews=reviews,
        pending=pending[:QUEUE_LIST_LIMIT],
        more_pending=len(pending) > QUEUE_LIST_LIMIT,
        approval_form=ApprovalForm(),
        is_empty=not (page.paginator.count or reviews or pending),
    )


def _manage_context(
    request, community: Community, viewer: Membership | None, section: str = "reports", **extra
) -> dict:
    return manage_context(request, community, viewer, section, **extra)


@login_required
def queue(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
    context = _queue_context(request, community, viewer)
    return render(request, "communities/manage/reports.html", context)


def _managed_item(community: Community, kind: str, pk: int):
    if kind == "post":
        return get_object_or_404(
            Post.objects.filter(community=community, status=Post.Status.PUBLISHED).select_related(
                "community", "author"
            ),
            pk=pk,
        )
    return get_object_or_404(
        Comment.objects.filter(
            post__community=community, status=Comment.Status.VISIBLE
        ).select_related("post__community", "author"),
        pk=pk,
    )


DONE_MESSAGES = {
    "dismiss": gettext_lazy("Reports dismissed; it is visible to members."),
    "show": gettext_lazy("Shown again to everyone."),
    "hide": gettext_lazy("Hidden. The author sees why."),
    "warn": gettext_lazy("Hidden, and the author was emailed a warning."),
    "remove": gettext_lazy("Hidden, and the author was removed from the community."),
    "ban": gettext_lazy("Hidden, and the author was banned from the community."),
}


def _review(request, slug: str, pk: int, kind: str):
    community, viewer = access_community(request.user, slug, to="manage")
    item = _managed_item(community, kind, pk)
    choices = moderation.rule_choices(community)
    entry = QueueItem(kind=kind, item=item)
    form = _review_form(entry, choices, request.POST)
    error = ""
    if form.is_valid():
        action = form.cleaned_data["action"]
        arguments = {"by": request.user, kind: item, "reason": form.cleaned_data["reason"]}
        if action in HIDING_ACTIONS:
            arguments["rule_id"] = form.cleaned_data["rule"]
        try:
            moderation.REVIEW_ACTIONS[action](**arguments)
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            done = DONE_MESSAGES[action]
            if is_fragment(request):
                context = _manage_context(request, community, viewer, entry=entry, done=done)
                return render(request, "communities/manage/reports.html#resolved", context)
            messages.success(request, done)
            return redirect("communities:manage_reports", community.slug)
    elif is_fragment(request):
        # Field errors show under their fields; the rest above the form.
        error = " ".join([*form.errors.get("action", []), *form.non_field_errors()])
    else:
        error = _form_errors(form)
    if is_fragment(request):
        # The card again, with what was typed and why it was refused.
        item = _managed_item(community, kind, pk)
        entry = QueueItem(kind=kind, item=item, form=form, error=error)
        entry.reports = list(
            Report.objects.filter(status=Report.Status.OPEN, **moderation.target_of(item))
            .select_related("reporter")
            .order_by("created_at", "pk")
        )
        keys_by_title = {choice.title: choice.key for choice in choices}
        _summarise(entry, keys_by_title)
        _attach_review_notes(community, [entry], keys_by_title)
        context = _manage_context(request, community, viewer, entry=entry)
        return render(request, "communities/manage/reports.html#queue_item", context)
    messages.error(request, error)
    return redirect("communities:manage_reports", community.slug)


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def review_post(request, slug: str, pk: int):
    return _review(request, slug, pk, "post")


@login_required
@require_POST
def review_comment(request, slug: str, pk: int):
    return _review(request, slug, pk, "comment")


@login_required
@require_POST
def approve_post(request, slug: str, pk: int):
    community, viewer = access_community(request.user, slug, to="manage")
    post = get_object_or_404(
        Post.objects.filter(community=community, status=Post.Status.PENDING).select_related(
            "community", "author"
        ),
        pk=pk,
    )
    post.excerpt = _post_text(post)
    form = ApprovalForm(request.POST)
    error = done = ""
    if form.is_valid():
        approve = form.cleaned_data["action"] == "approve"
        try:
            if approve:
                moderation.post_approve(
                    by=request.user, post=post, reason=form.cleaned_data["reason"]
                )
                done = _("“%(title)s” is published.") % {"title": post.title}
            else:
                moderation.post_reject(
                    by=request.user, post=post, reason=form.cleaned_data["reason"]
                )
                done = _("“%(title)s” went back to its author as a draft.") % {"title": post.title}
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
    else:
        error = _form_errors(form)
    if is_fragment(request):
        context = _manage_context(
            request,
            community,
            viewer,
            post=post,
            done=done,
            error=error,
            approval_form=form,
        )
        partial = "resolved_pending" if done else "pending_item"
        return render(request, f"communities/manage/reports.html#{partial}", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("communities:manage_reports", community.slug)


@login_required
def log(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
    actions = (
        ModerationAction.objects.filter(community=community)
        .select_related("actor", "member", "post", "comment")
        .order_by("-created_at", "-pk")
    )
    chosen = request.GET.get("action", "")
    if chosen in ModerationAction.Action.values:
        actions = actions.filter(action=chosen)
    else:
        chosen = ""
    page = Paginator(actions, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    context = _manage_context(
        request,
        community,
        viewer,
        "log",
        page_obj=page,
        chosen=chosen,
        action_choices=ModerationAction.Action.choices,
    )
    return render(request, "communities/manage/log.html", context)


@login_required
def safeguards(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
    # The form works on a copy so that a rejected value never shows up elsewhere on the page.
    form = SafeguardsForm(request.POST or None, instance=copy.copy(community))
    if request.method == "POST" and form.is_valid():
        try:
            community_services.community_update(community=community, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Safeguards saved."))
            return redirect("communities:manage_safeguards", community.slug)
    context = _manage_context(request, community, viewer, "safeguards", form=form)
    return render(request, "communities/manage/safeguards.html", context)
