"""Facilitators' settings pages: parse, scope, check, call a service, render.

Every view reaches its community through `get_managed_community` (404 when the
community is invisible to the viewer, 403 when they do not facilitate it) and every
object below the community through that community's own related managers.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.htmx import error_text

from . import services
from .manage_forms import (
    ArchiveForm,
    CharterPublishForm,
    CommunityDetailsForm,
    DecisionForm,
    ExpectationsForm,
    InvitationForm,
    MemberActionForm,
    OnboardingForm,
    QuestionsForm,
    RuleForm,
)
from .models import Community, Membership, MembershipEvent
from .moderation import waiting_counts
from .permissions import can_restore_community
from .shortcuts import community_context, get_managed_community, get_visible_community

MEMBERS_PER_PAGE = 25
INVITATIONS_PER_PAGE = 25
HISTORY_PER_MEMBER = 5
# Where on the linked page each launch checklist item is fixed.
CHECKLIST_ANCHORS = {
    "challenge": "#id_challenge",
    "purpose": "#id_purpose",
    "rules": "#rules",
    "welcome": "#id_welcome_message",
    "onboarding": "#steps",
    "team": "#id_emails",
}


def _manage_context(request, community: Community, section: str, **extra) -> dict:
    """What every settings page needs: the community header, the side nav and `can_edit`."""
    return community_context(
        request,
        community,
        tab="manage",
        section=section,
        # Badges of the side navigation: membership requests and the review queue.
        **waiting_counts(community),
        # Archived communities are read-only: their settings are shown, not changed.
        can_edit=not community.is_archived,
        **extra,
    )


def _manage_url(name: str, community: Community, anchor: str = "") -> str:
    return reverse(f"communities:{name}", args=[community.slug]) + (f"#{anchor}" if anchor else "")


# --- Details and archiving ------------------------------------------------------------


def _details_fields(form: CommunityDetailsForm) -> dict:
    """The cleaned values in the shape `community_update` takes."""
    fields = {
        name: value
        for name, value in form.cleaned_data.items()
        if name not in ("cover_image", "tags")
    }
    image = form.cleaned_data.get("cover_image")
    if image is False:  # "clear" ticked
        fields["cover_image"] = ""
    elif image and "cover_image" in form.changed_data:
        fields["cover_image"] = image
    fields["tags"] = form.cleaned_data.get("tags") or []
    return fields


def _render_details(request, community, form, archive_form, status=200):
    context = _manage_context(
        request,
        community,
        "details",
        form=form,
        archive_form=archive_form,
        can_archive=community.is_launched,
        stage_changes=community.stage_changes.select_related("changed_by")[:5],
    )
    return render(request, "communities/manage/details.html", context, status=status)


@login_required
def details(request, slug: str):
    community = get_managed_community(request, slug)
    # The form works on a copy so that a rejected edit never shows up in the page header.
    form = CommunityDetailsForm(
        request.POST or None, request.FILES or None, instance=copy.copy(community)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.community_update(community=community, by=request.user, **_details_fields(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The community's details have been saved."))
            return redirect("communities:manage", community.slug)
    return _render_details(request, community, form, ArchiveForm())


@login_required
@require_POST
def archive(request, slug: str):
    community = get_managed_community(request, slug)
    form = ArchiveForm(request.POST)
    if not community.is_launched:
        messages.error(request, _("Only a launched community can be archived."))
        return redirect("communities:manage", community.slug)
    if not form.is_valid():
        details_form = CommunityDetailsForm(instance=copy.copy(community))
        return _render_details(request, community, details_form, form)
    services.community_archive(community=community, by=request.user, note=form.cleaned_data["note"])
    messages.success(
        request, _("%(name)s is archived. Its content stays readable.") % {"name": community.name}
    )
    return redirect("communities:manage", community.slug)


@login_required
@require_POST
def restore(request, slug: str):
    """Site staff bring an archived community back; facilitators can only archive."""
    community = get_visible_community(request, slug)
    if not can_restore_community(request.user, community):
        raise PermissionDenied
    services.community_restore(community=community, by=request.user)
    messages.success(request, _("%(name)s is open again.") % {"name": community.name})
    return redirect(community)


# --- Launch ---------------------------------------------------------------------------


@login_required
def launch(request, slug: str):
    community = get_managed_community(request, slug)
    if request.method == "POST":
        try:
            services.community_launch(community=community, by=request.user)
        except ValidationError as error:
            messages.error(request, error_text(error))
            return redirect("communities:manage_launch", community.slug)
        messages.success(
            request,
            _("%(name)s is open. Welcome your first members!") % {"name": community.name},
        )
        return redirect(community.get_absolute_url())
    checklist = services.launch_checklist(community) if community.is_planning else []
    items = [
        {
            "item": item,
            "url": reverse(item.url_name, args=[community.slug])
            + CHECKLIST_ANCHORS.get(item.key, ""),
        }
        for item in checklist
    ]
    required = [item for item in checklist if item.required]
    missing = [item for item in required if not item.done]
    context = _manage_context(
        request,
        community,
        "launch",
        items=items,
        done_count=sum(1 for item in checklist if item.done),
        total_count=len(checklist),
        missing_count=len(missing),
        can_launch=community.is_planning and not missing,
    )
    return render(request, "communities/manage/launch.html", context)


# --- Charter --------------------------------------------------------------------------


def _draft_differs(community: Community, rules, charter) -> bool:
    """Does the draft (rules, purpose, expectations) differ from the published charter?"""
    if charter is None:
        return True
    draft = [{"title": r.title, "explanation": r.explanation} for r in rules]
    return (
        draft != charter.rules
        or community.purpose != charter.purpose
        or community.expectations != charter.expectations
    )


def _number_rules(rules: list, total: int | None = None, offset: int = 0) -> list:
    """Give each rule its place in the list, for labels and for the move buttons."""
    total = len(rules) if total is None else total
    for i, rule in enumerate(rules, start=offset):
        rule.number, rule.is_first, rule.is_last = i + 1, i == 0, i == total - 1
    return rules


def _charter_context(request, community: Community, **extra) -> dict:
    rules = _number_rules(list(community.rules.all()))
    versions = list(community.charter_versions.select_related("published_by"))
    charter = next((v for v in versions if v.number == community.current_charter_number), None)
    context = {
        "rules": rules,
        "charter": charter,
        "versions": versions,
        "draft_differs": _draft_differs(community, rules, charter),
        "editing_pk": None,
        "rule_form": None,
        "add_form": RuleForm(prefix="add"),
        "expectations_form": ExpectationsForm(instance=copy.copy(community), prefix="exp"),
        "publish_form": CharterPublishForm(prefix="publish"),
        "first_version": community.current_charter_number == 0,
    }
    context.update(extra)
    return _manage_context(request, community, "charter", **context)


def _render_charter(request, community: Community, status: int = 200, **extra):
    context = _charter_context(request, community, **extra)
    return render(request, "communities/manage/charter.html", context, status=status)


def _render_rule_list(request, community: Community, error: str = ""):
    """The htmx answer to a rule being moved, deleted or added: the whole list again."""
    context = _charter_context(request, community, list_error=error)
    return render(request, "communities/manage/charter.html#rule_list", context)


@login_required
def charter(request, slug: str):
    """The charter editor. POST adds a rule (`form=add_rule`) or saves the expectations."""
    community = get_managed_community(request, slug)
    if request.method != "POST":
        return _render_charter(request, community)
    which = request.POST.get("form")
    if which == "add_rule":
        form = RuleForm(request.POST, prefix="add")
        if form.is_valid():
            try:
                services.rule_add(community=community, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
        if request.htmx:
            if form.is_valid():
                form = RuleForm(prefix="add")
            context = _charter_context(request, community, add_form=form, oob_list=True)
            return render(request, "communities/manage/charter.html#add_rule_form", context)
        if form.is_valid():
            messages.success(request, _("Rule added to the draft."))
            return redirect(_manage_url("manage_charter", community, "rules"))
        return _render_charter(request, community, add_form=form)
    if which == "expectations":
        form = ExpectationsForm(request.POST, instance=copy.copy(community), prefix="exp")
        if form.is_valid():
            try:
                services.community_update(
                    community=community,
                    by=request.user,
                    expectations=form.cleaned_data["expectations"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Expectations saved in the draft."))
                return redirect(_manage_url("manage_charter", community, "expectations"))
        return _render_charter(request, community, expectations_form=form)
    return HttpResponseBadRequest()


@login_required
def rule_edit(request, slug: str, pk: int):
    """GET: the rule's edit form (a row for htmx, the editor page otherwise). POST: save."""
    community = get_managed_community(request, slug)
    rule = get_object_or_404(community.rules, pk=pk)
    ids = list(community.rules.values_list("pk", flat=True))
    _number_rules([rule], total=len(ids), offset=ids.index(rule.pk))
    form = RuleForm(request.POST or None, instance=copy.copy(rule), prefix=f"rule-{rule.pk}")
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(rule=rule, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                context = _manage_context(request, community, "charter", rule=rule, editing_pk=None)
                return render(request, "communities/manage/charter.html#rule_row", context)
            messages.success(request, _("Rule saved in the draft."))
            return redirect(_manage_url("manage_charter", community, f"rule-{rule.pk}"))
    if request.htmx:
        context = _manage_context(
            request, community, "charter", rule=rule, editing_pk=rule.pk, rule_form=form
        )
        return render(request, "communities/manage/charter.html#rule_row", context)
    return _render_charter(request, community, editing_pk=rule.pk, rule_form=form)


@login_required
@require_POST
def rule_move(request, slug: str, pk: int):
    community = get_managed_community(request, slug)
    rule = get_object_or_404(community.rules, pk=pk)
    direction = request.POST.get("direction")
    if direction not in ("-1", "1"):
        return HttpResponseBadRequest()
    error = ""
    try:
        services.rule_move(rule=rule, direction=int(direction))
    except ValidationError as exc:
        error = error_text(exc)
    if request.htmx:
        return _render_rule_list(request, community, error)
    if error:
        messages.error(request, error)
    return redirect(_manage_url("manage_charter", community, f"rule-{rule.pk}"))


@login_required
@require_POST
def rule_delete(request, slug: str, pk: int):
    community = get_managed_community(request, slug)
    rule = get_object_or_404(community.rules, pk=pk)
    title = rule.title
    error = ""
    try:
        services.rule_delete(rule=rule)
    except ValidationError as exc:
        error = error_text(exc)
    if request.htmx:
        return _render_rule_list(request, community, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Rule “%(title)s” deleted from the draft.") % {"title": title})
    return redirect(_manage_url("manage_charter", community, "rules"))


@login_required
@require_POST
def charter_publish(request, slug: str):
    community = get_managed_community(request, slug)
    form = CharterPublishForm(request.POST, prefix="publish")
    if not form.is_valid():
        return _render_charter(request, community, publish_form=form)
    try:
        version = services.charter_publish(
            community=community,
            by=request.user,
            is_material=form.cleaned_data["is_material"],
            summary=form.cleaned_data["summary"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_charter(request, community, publish_form=form)
    if version.is_material and version.number > 1:
        text = _("Version %(n)d published. Members have been asked to accept it.")
    else:
        text = _("Version %(n)d published.")
    messages.success(request, text % {"n": version.number})
    return redirect(_manage_url("manage_charter", community, "publish"))


# --- Join questions and onboarding -----------------------------------------------------


@login_required
def questions(request, slug: str):
    community = get_managed_community(request, slug)
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
    context = _manage_context(
        request,
        community,
        "questions",
        form=form,
        asks_questions=community.join_policy == Community.JoinPolicy.REQUEST,
    )
    return render(request, "communities/manage/questions.html", context)


@login_required
def onboarding(request, slug: str):
    community = get_managed_community(request, slug)
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
    context = _manage_context(request, community, "onboarding", form=form)
    return render(request, "communities/manage/onboarding.html", context)


# --- Membership requests -------------------------------------------------------------


@login_required
def requests(request, slug: str):
    community = get_managed_community(request, slug)
    pending = community.memberships.pending().select_related("user").order_by("requested_at")
    decided = (
        MembershipEvent.objects.filter(
            membership__community=community,
            action__in=[MembershipEvent.Action.APPROVED, MembershipEvent.Action.DECLINED],
        )
        .select_related("membership__user", "actor")
        .order_by("-created_at", "-pk")[:10]
    )
    context = _manage_context(
        request,
        community,
        "requests",
        pending=list(pending),
        decided=list(decided),
        takes_requests=community.join_policy == Community.JoinPolicy.REQUEST,
    )
    return render(request, "communities/manage/requests.html", context)


@login_required
@require_POST
def request_decide(request, slug: str, pk: int):
    community = get_managed_community(request, slug)
    membership = get_object_or_404(community.memberships.select_related("user"), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    approve = form.cleaned_data["action"] == "approve"
    decide = services.membership_approve if approve else services.membership_decline
    error = ""
    try:
        decide(membership=membership, by=request.user, message=form.cleaned_data["message"])
    except ValidationError as exc:
        error = error_text(exc)
    name = membership.user.display_name
    if approve:
        done = _("%(name)s is now a member; we emailed them.") % {"name": name}
    else:
        done = _("%(name)s's request was declined; we emailed them.") % {"name": name}
    if request.htmx:
        context = _manage_context(
            request, community, "requests", membership=membership, error=error, done=done
        )
        return render(request, "communities/manage/requests.html#decided_card", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("communities:manage_requests", community.slug)


# --- Invitations ---------------------------------------------------------------------


@login_required
def invitations(request, slug: str):
    community = get_managed_community(request, slug)
    form = InvitationForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        emails = form.cleaned_data["emails"]
        try:
            created = services.invitations_create(
                community=community,
                by=request.user,
                emails=emails,
                role=form.cleaned_data["role"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            sent = len(created)
            if sent:
                messages.success(
                    request,
                    ngettext("%(n)d invitation sent.", "%(n)d invitations sent.", sent)
                    % {"n": sent},
                )
            skipped = len(emails) - sent
            if skipped:
                messages.info(
                    request,
                    ngettext(
                        "%(n)d address belongs to a member or a banned person and was skipped.",
                        "%(n)d addresses belong to members or banned people and were skipped.",
                        skipped,
                    )
                    % {"n": skipped},
                )
            return redirect("communities:manage_invitations", community.slug)
    page = Paginator(
        community.invitations.select_related("invited_by", "accepted_by").order_by(
            "-created_at", "-pk"
        ),
        INVITATIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    context = _manage_context(request, community, "invitations", form=form, page_obj=page)
    return render(request, "communities/manage/invitations.html", context)


@login_required
@require_POST
def invitation_revoke(request, slug: str, pk: int):
    community = get_managed_community(request, slug)
    invitation = get_object_or_404(community.invitations, pk=pk)
    if invitation.accepted_at is not None:
        messages.error(request, _("This invitation has already been accepted."))
    else:
        services.invitation_revoke(invitation=invitation, by=request.user)
        messages.success(
            request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
        )
    return redirect("communities:manage_invitations", community.slug)


@login_required
@require_POST
def invitation_resend(request, slug: str, pk: int):
    community = get_managed_community(request, slug)
    invitation = get_object_or_404(community.invitations, pk=pk)
    try:
        services.invitation_resend(invitation=invitation, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("A new invitation was sent to %(email)s; the old link no longer works.")
            % {"email": invitation.email},
        )
    return redirect("communities:manage_invitations", community.slug)


# --- Members -------------------------------------------------------------------------


def _members_page(request, community: Community):
    role_order = Case(
        When(role=Membership.Role.FACILITATOR, then=Value(0)),
        When(role=Membership.Role.CORE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    history = Prefetch(
        "events",
        queryset=MembershipEvent.objects.select_related("actor").order_by("-created_at", "-pk")[
            :HISTORY_PER_MEMBER
        ],
        to_attr="recent_events",
    )
    members = (
        community.memberships.active()
        .select_related("user")
        .prefetch_related(history)
        .order_by(role_order, "joined_at", "pk")
    )
    # PostgreSQL refuses NUL in text: drop it rather than fail on a crafted link.
    query = request.GET.get("q", "").replace("\x00", "").strip()
    if query:
        members = members.filter(
            Q(user__display_name__icontains=query) | Q(user__email__icontains=query)
        )
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    for membership in page.object_list:
        # The viewer steps down through the role form; removing or banning oneself is
        # what "leave" is for.
        membership.is_viewer = membership.user_id == request.user.pk
    return page, query


@login_required
def members(request, slug: str):
    community = get_managed_community(request, slug)
    page, query = _members_page(request, community)
    banned = (
        community.memberships.filter(status=Membership.Status.BANNED)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=MembershipEvent.objects.filter(action=MembershipEvent.Action.BANNED)
                .select_related("actor")
                .order_by("-created_at", "-pk")[:1],
                to_attr="ban_events",
            )
        )
        .order_by("-ended_at", "pk")
    )
    context = _manage_context(
        request,
        community,
        "members",
        page_obj=page,
        query=query,
        banned=list(banned),
        roles=Membership.Role.choices,
        required_charter_number=community.required_charter_number,
    )
    return render(request, "communities/manage/members.html", context)


@login_required
@require_POST
def member_action(request, slug: str, pk: int):
    community = get_managed_community(request, slug)
    membership = get_object_or_404(community.memberships.select_related("user"), pk=pk)
    form = MemberActionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    action = form.cleaned_data["action"]
    reason = form.cleaned_data["reason"]
    name = membership.user.display_name
    try:
        if action == "role":
            membership = services.membership_set_role(
                membership=membership, by=request.user, role=form.cleaned_data["role"]
            )
            done = _("%(name)s is now: %(role)s.") % {
                "name": name,
                "role": membership.get_role_display(),
            }
        elif action == "remove":
            services.membership_remove(membership=membership, by=request.user, reason=reason)
            done = _("%(name)s was removed from the community.") % {"name": name}
        elif action == "ban":
            services.membership_ban(membership=membership, by=request.user, reason=reason)
            done = _("%(name)s was banned and cannot join again.") % {"name": name}
        else:
            services.membership_unban(membership=membership, by=request.user)
            done = _("The ban on %(name)s was lifted; they can ask to join again.") % {"name": name}
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, done)
    url = reverse("communities:manage_members", args=[community.slug])
    page = request.POST.get("page", "")
    if page.isdigit():
        url += f"?page={page}"
    return redirect(url)
