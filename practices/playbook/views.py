"""Playbook pages: parse, reach the page through the door, check, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from communities.access import community_context
from config.htmx import add_service_error, error_text
from config.permissions import can
from practices.models import Post
from practices.permissions import (
    check_can_decide_playbook_proposal,
    check_can_edit_playbook,
    check_can_propose_playbook_change,
)

from . import services
from .access import (
    access_page,
    access_playbook,
    access_proposal,
    access_revision,
    proposals_visible_to,
    readable_evidence,
    readable_revision_evidence,
)
from .diff import text_diff
from .forms import DecisionForm, MoveForm, PageForm, ProposalForm
from .models import PlaybookPage, PlaybookProposal, PlaybookRevision
from .rendering import headings, render_page_body

HISTORY_SIZE = 100
EVIDENCE_CHOICES = 30
PROPOSALS_SHOWN = 50


def _flags(user, community, membership) -> dict:
    return {
        "can_edit": can(check_can_edit_playbook, user, community, membership),
        "can_propose": can(check_can_propose_playbook_change, user, community, membership),
        "can_decide": can(check_can_decide_playbook_proposal, user, community, membership),
    }


def _context(request, community, membership, **extra) -> dict:
    return community_context(
        request.user,
        community,
        membership,
        tab="playbook",
        can_read=True,
        **_flags(request.user, community, membership),
        **extra,
    )


def _open_proposals(user, community, membership) -> int:
    return (
        proposals_visible_to(user, community, membership)
        .filter(status=PlaybookProposal.Status.OPEN)
        .count()
    )


# --- Reading -------------------------------------------------------------------------


@require_GET
def index(request, slug: str):
    """The playbook's table of contents: its pages in order."""
    community, membership = access_playbook(request.user, slug)
    pages = list(
        PlaybookPage.objects.filter(community=community)
        .in_order()
        .only("title", "slug", "position", "updated_at", "community_id")
    )
    for item in pages:
        item.community = community
    context = _context(request, community, membership, pages=pages)
    if context["can_decide"] or context["can_propose"]:
        context["open_proposals"] = _open_proposals(request.user, community, membership)
    return render(request, "playbook/index.html", context)


@require_GET
def page(request, slug: str, page: str):
    playbook_page, membership = access_page(request.user, slug, page)
    community = playbook_page.community
    current = (
        PlaybookRevision.objects.filter(page=playbook_page, number=playbook_page.revision_number)
        .select_related("author", "accepted_by")
        .first()
    )
    neighbours = list(
        PlaybookPage.objects.filter(community=community)
        .in_order()
        .only("title", "slug", "position", "community_id")
    )
    for item in neighbours:
        item.community = community
    context = _context(
        request,
        community,
        membership,
        page=playbook_page,
        current=current,
        contents=headings(playbook_page.body_html),
        evidence=list(readable_evidence(request.user, playbook_page)),
        pages=neighbours,
        from_lesson=(
            Post.objects.visible_to(request.user)
            .filter(pk=playbook_page.from_lesson_id)
            .select_related("community")
            .only("title", "community__slug")
            .first()
            if playbook_page.from_lesson_id
            else None
        ),
    )
    if context["can_decide"]:
        context["open_proposals"] = playbook_page.proposals.filter(
            status=PlaybookProposal.Status.OPEN
        ).count()
    return render(request, "playbook/page.html", context)


@require_GET
def history(request, slug: str, page: str):
    playbook_page, membership = access_page(request.user, slug, page)
    revisions = list(
        PlaybookRevision.objects.filter(page=playbook_page)
        .select_related("author", "accepted_by", "restored_from")
        .only(
            "number",
            "title",
            "note",
            "created_at",
            "page_id",
            "author__display_name",
            "accepted_by__display_name",
            "restored_from__number",
        )
        .order_by("-number")[:HISTORY_SIZE]
    )
    context = _context(
        request, playbook_page.community, membership, page=playbook_page, revisions=revisions
    )
    return render(request, "playbook/history.html", context)


@require_GET
def revision(request, slug: str, page: str, number: int):
    """One revision and what it changed from the one before."""
    shown, membership = access_revision(request.user, slug, page, number)
    playbook_page = shown.page
    previous = PlaybookRevision.objects.filter(page=playbook_page, number=number - 1).first()
    # The evidence of this version, marked against the version before: only posts the
    # reader may read, the same door as the page's own evidence list.
    evidence = list(readable_revision_evidence(request.user, shown))
    before = (
        {p.pk: p for p in readable_revision_evidence(request.user, previous)} if previous else {}
    )
    for post in evidence:
        post.is_added = previous is not None and post.pk not in before
    shown_pks = {post.pk for post in evidence}
    context = _context(
        request,
        playbook_page.community,
        membership,
        page=playbook_page,
        revision=shown,
        previous=previous,
        title_changed=previous is not None and previous.title != shown.title,
        diff=text_diff(previous.body if previous else "", shown.body),
        evidence=evidence,
        evidence_removed=[post for pk, post in before.items() if pk not in shown_pks],
        is_current=number == playbook_page.revision_number,
    )
    return render(request, "playbook/revision.html", context)


# --- Writing -------------------------------------------------------------------------


def _evidence_queryset(community, user, *, selected=(), query: str = ""):
    """The experiences offered as evidence: those already chosen, then the newest (or
    those matching `query`)."""
    choices = services.evidence_choices(community, user)
    offered = choices
    if query:
        offered = offered.filter(Q(title__icontains=query) | Q(learned__icontains=query))
    ids = list(
        offered.order_by("-published_at", "-pk").values_list("pk", flat=True)[:EVIDENCE_CHOICES]
    )
    return (
        choices.filter(Q(pk__in=ids) | Q(pk__in=list(selected)))
        .only("title", "published_at")
        .order_by("-published_at", "-pk")
    )


def _form_page(request, community, membership, form, *, page=None, proposing=False):
    preview = None
    if request.method == "POST" and request.POST.get("action") == "preview":
        preview = render_page_body(request.POST.get("body", ""))
    return render(
        request,
        "playbook/form.html",
        _context(
            request,
            community,
            membership,
            form=form,
            page=page,
            proposing=proposing,
            preview=preview,
            previewed=preview is not None,
        ),
    )


def _selected_evidence(request, page) -> list[int]:
    if request.method == "POST":
        return [int(v) for v in request.POST.getlist("evidence") if v.isdigit()]
    return list(page.evidence.values_list("pk", flat=True)) if page else []


@login_required
def create(request, slug: str):
    community, membership = access_playbook(request.user, slug)
    check_can_edit_playbook(request.user, community, membership)
    choices = _evidence_queryset(
        community, request.user, selected=_selected_evidence(request, None)
    )
    form = PageForm(request.POST or None, evidence_choices=choices)
    if request.method == "POST" and request.POST.get("action") != "preview" and form.is_valid():
        try:
            created = services.page_create(
                community=community, by=request.user, **form.service_data()
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The page is in the playbook."))
            return redirect(created)
    return _form_page(request, community, membership, form)


@login_required
def edit(request, slug: str, page: str):
    playbook_page, membership = access_page(request.user, slug, page)
    community = playbook_page.community
    check_can_edit_playbook(request.user, community, membership)
    selected = _selected_evidence(request, playbook_page)
    choices = _evidence_queryset(community, request.user, selected=selected)
    initial = {
        "title": playbook_page.title,
        "body": playbook_page.body,
        "evidence": selected,
    }
    form = PageForm(request.POST or None, initial=initial, evidence_choices=choices)
    if request.method == "POST" and request.POST.get("action") != "preview" and form.is_valid():
        try:
            changed = services.page_edit(page=playbook_page, by=request.user, **form.service_data())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if changed:
                messages.success(request, _("Saved as version %(n)d.") % {"n": changed.number})
            else:
                messages.success(request, _("Saved. The text did not change."))
            return redirect(playbook_page)
    return _form_page(request, community, membership, form, page=playbook_page)


def _propose(request, community, membership, *, target=None):
    check_can_propose_playbook_change(request.user, community, membership)
    initial = {"title": target.title, "body": target.body} if target else {}
    form = ProposalForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("action") != "preview" and form.is_valid():
        try:
            proposal = services.proposal_create(
                community=community,
                by=request.user,
                page=target,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Thank you. A facilitator will look at your proposal."))
            return redirect(proposal)
    return _form_page(request, community, membership, form, page=target, proposing=True)


@login_required
def propose(request, slug: str, page: str):
    playbook_page, membership = access_page(request.user, slug, page)
    return _propose(request, playbook_page.community, membership, target=playbook_page)


@login_required
def propose_new(request, slug: str):
    community, membership = access_playbook(request.user, slug)
    return _propose(request, community, membership)


@login_required
@require_POST
def restore(request, slug: str, page: str, number: int):
    old, membership = access_revision(request.user, slug, page, number)
    playbook_page = old.page
    check_can_edit_playbook(request.user, playbook_page.community, membership)
    try:
        restored = services.page_restore(page=playbook_page, by=request.user, number=number)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(old)
    messages.success(
        request,
        _("Version %(old)d is back, as version %(new)d.") % {"old": number, "new": restored.number},
    )
    return redirect(playbook_page)


@login_required
@require_POST
def move(request, slug: str, page: str):
    playbook_page, membership = access_page(request.user, slug, page)
    check_can_edit_playbook(request.user, playbook_page.community, membership)
    form = MoveForm(request.POST)
    if form.is_valid():
        services.page_move(
            page=playbook_page, by=request.user, direction=form.cleaned_data["direction"]
        )
        messages.success(request, _("The order of the pages changed."))
    return redirect("playbook:index", slug=playbook_page.community.slug)


@login_required
@require_POST
def preview(request, slug: str):
    """The page as it will read, while someone writes it (htmx)."""
    community, membership = access_playbook(request.user, slug)
    if not (
        can(check_can_edit_playbook, request.user, community, membership)
        or can(check_can_propose_playbook_change, request.user, community, membership)
    ):
        raise PermissionDenied(_("Only members of this community write in its playbook."))
    return render(
        request,
        "playbook/form.html#preview",
        {"preview": render_page_body(request.POST.get("body", "")), "previewed": True},
    )


@login_required
@require_GET
def evidence(request, slug: str):
    """The evidence picker's choices for a search (htmx)."""
    community, membership = access_playbook(request.user, slug)
    check_can_edit_playbook(request.user, community, membership)
    selected = [int(v) for v in request.GET.getlist("evidence") if v.isdigit()]
    query = request.GET.get("q", "").strip()[:100]
    choices = _evidence_queryset(community, request.user, selected=selected, query=query)
    form = PageForm(initial={"evidence": selected}, evidence_choices=choices)
    return render(request, "playbook/form.html#evidence", {"form": form, "query": query})


@login_required
@require_POST
def promote(request, pk: int):
    """A lesson from the library becomes a playbook page in one step."""
    post = Post.objects.visible_to(request.user).select_related("community").filter(pk=pk).first()
    if post is None:
        raise Http404
    try:
        created_page, created = services.lesson_promote(post=post, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("practices:lessons")
    if created:
        messages.success(
            request, _("The lesson is a playbook page now, with its experience as evidence.")
        )
    else:
        messages.info(request, _("This lesson is already in the playbook."))
    return redirect(created_page)


# --- Proposals -----------------------------------------------------------------------


@login_required
@require_GET
def proposals(request, slug: str):
    """Open proposals (for facilitators: everyone's; for members: their own), then the
    latest decided ones."""
    community, membership = access_playbook(request.user, slug)
    visible = proposals_visible_to(request.user, community, membership).select_related(
        "page", "proposer", "decided_by"
    )
    open_items = list(
        visible.filter(status=PlaybookProposal.Status.OPEN).order_by("created_at", "pk")[
            :PROPOSALS_SHOWN
        ]
    )
    decided = list(
        visible.exclude(status=PlaybookProposal.Status.OPEN).order_by("-decided_at", "-pk")[:20]
    )
    for item in [*open_items, *decided]:
        item.community = community
        if item.page is not None:
            item.page.community = community
    context = _context(request, community, membership, open_items=open_items, decided=decided)
    return render(request, "playbook/proposals.html", context)


@login_required
@require_GET
def proposal(request, slug: str, pk: int):
    item, membership = access_proposal(request.user, slug, pk)
    community = item.community
    base = ""
    if item.page is not None:
        base_revision = item.page.revisions.filter(number=item.base_number).first()
        base = base_revision.body if base_revision else ""
    context = _context(
        request,
        community,
        membership,
        proposal=item,
        diff=text_diff(base, item.body),
        current_moved_on=bool(item.page and item.page.revision_number != item.base_number),
    )
    return render(request, "playbook/proposal.html", context)


@login_required
@require_POST
def proposal_decide(request, slug: str, pk: int):
    item, membership = access_proposal(request.user, slug, pk)
    check_can_decide_playbook_proposal(request.user, item.community, membership)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(item)
    try:
        if form.cleaned_data["action"] == "accept":
            revision = services.proposal_accept(proposal=item, by=request.user)
            messages.success(
                request,
                _("Accepted: version %(n)d, credited to %(name)s.")
                % {"n": revision.number, "name": item.proposer.display_name},
            )
            return redirect(revision.page)
        services.proposal_decline(
            proposal=item, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(item)
    messages.success(
        request, _("Declined. %(name)s hears your reason.") % {"name": item.proposer.display_name}
    )
    return redirect("playbook:proposals", slug=item.community.slug)
