"""The facilitators' charter editor: rules drafted, moved, published as versions."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.htmx import error_text

from .. import services
from ..access import access_community
from ..manage_forms import (
    CharterPublishForm,
    ExpectationsForm,
    RuleForm,
)
from ..models import Community, Membership
from .manage import manage_context, manage_url


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


def _charter_context(request, community: Community, viewer: Membership | None, **extra) -> dict:
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
    return manage_context(request, community, viewer, "charter", **context)


def _render_charter(
    request, community: Community, viewer: Membership | None, status: int = 200, **extra
):
    context = _charter_context(request, community, viewer, **extra)
    return render(request, "communities/manage/charter.html", context, status=status)


def _render_rule_list(request, community: Community, viewer: Membership | None, error: str = ""):
    """The htmx answer to a rule being moved, deleted or added: the whole list again."""
    context = _charter_context(request, community, viewer, list_error=error)
    return render(request, "communities/manage/charter.html#rule_list", context)


@login_required
def charter(request, slug: str):
    """The charter editor. POST adds a rule (`form=add_rule`) or saves the expectations."""
    community, viewer = access_community(request.user, slug, to="manage")
    if request.method != "POST":
        return _render_charter(request, community, viewer)
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
            context = _charter_context(request, community, viewer, add_form=form, oob_list=True)
            return render(request, "communities/manage/charter.html#add_rule_form", context)
        if form.is_valid():
            messages.success(request, _("Rule added to the draft."))
            return redirect(manage_url("manage_charter", community, "rules"))
        return _render_charter(request, community, viewer, add_form=form)
    if which == "expectations":
        form = ExpectationsForm(request.POST, instance=copy.copy(community), prefix="exp")
        if form.is_valid():
            try:
                services.community_update(
                    community=community,
                    expectations=form.cleaned_data["expectations"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Expectations saved in the draft."))
                return redirect(manage_url("manage_charter", community, "expectations"))
        return _render_charter(request, community, viewer, expectations_form=form)
    return HttpResponseBadRequest()


@login_required
def rule_edit(request, slug: str, pk: int):
    """GET: the rule's edit form (a row for htmx, the editor page otherwise). POST: save."""
    community, viewer = access_community(request.user, slug, to="manage")
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
                context = manage_context(
                    request, community, viewer, "charter", rule=rule, editing_pk=None
                )
                return render(request, "communities/manage/charter.html#rule_row", context)
            messages.success(request, _("Rule saved in the draft."))
            return redirect(manage_url("manage_charter", community, f"rule-{rule.pk}"))
    if request.htmx:
        context = manage_context(
            request,
            community,
            viewer,
            "charter",
            rule=rule,
            editing_pk=rule.pk,
            rule_form=form,
        )
        return render(request, "communities/manage/charter.html#rule_row", context)
    return _render_charter(request, community, viewer, editing_pk=rule.pk, rule_form=form)


@login_required
@require_POST
def rule_move(request, slug: str, pk: int):
    community, viewer = access_community(request.user, slug, to="manage")
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
        return _render_rule_list(request, community, viewer, error)
    if error:
        messages.error(request, error)
    return redirect(manage_url("manage_charter", community, f"rule-{rule.pk}"))


@login_required
@require_POST
def rule_delete(request, slug: str, pk: int):
    community, viewer = access_community(request.user, slug, to="manage")
    rule = get_object_or_404(community.rules, pk=pk)
    title = rule.title
    error = ""
    try:
        services.rule_delete(rule=rule)
    except ValidationError as exc:
        error = error_text(exc)
    if request.htmx:
        return _render_rule_list(request, community, viewer, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Rule “%(title)s” deleted from the draft.") % {"title": title})
    return redirect(manage_url("manage_charter", community, "rules"))


@login_required
@require_POST
def charter_publish(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
    form = CharterPublishForm(request.POST, prefix="publish")
    if not form.is_valid():
        return _render_charter(request, community, viewer, publish_form=form)
    try:
        version = services.charter_publish(
            community=community,
            by=request.user,
            is_material=form.cleaned_data["is_material"],
            summary=form.cleaned_data["summary"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_charter(request, community, viewer, publish_form=form)
    if version.is_material and version.number > 1:
        text = _("Version %(n)d published. Members have been asked to accept it.")
    else:
        text = _("Version %(n)d published.")
    messages.success(request, text % {"n": version.number})
    return redirect(manage_url("manage_charter", community, "publish"))
