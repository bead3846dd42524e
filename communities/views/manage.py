"""The facilitators' settings: the shared page context, details, launch, archive."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.htmx import error_text
from practices.moderation.queue import waiting_counts

from .. import services
from ..access import access_community, community_context
from ..manage_forms import (
    ArchiveForm,
    CommunityDetailsForm,
)
from ..models import Community, Membership
from ..permissions import check_can_restore_community

# Where on the linked page each launch checklist item is fixed.
CHECKLIST_ANCHORS = {
    "challenge": "#id_challenge",
    "purpose": "#id_purpose",
    "rules": "#rules",
    "welcome": "#id_welcome_message",
    "onboarding": "#steps",
    "team": "#id_emails",
}


def manage_context(
    request, community: Community, viewer: Membership | None, section: str, **extra
) -> dict:
    """What every settings page needs: the community header, the side nav and `can_edit`."""
    return community_context(
        request.user,
        community,
        viewer,
        tab="manage",
        section=section,
        # Badges of the side navigation: membership requests and the review queue.
        **waiting_counts(community),
        # Archived communities are read-only: their settings are shown, not changed.
        can_edit=not community.is_archived,
        **extra,
    )


def manage_url(name: str, community: Community, anchor: str = "") -> str:
    return reverse(f"communities:{name}", args=[community.slug]) + (f"#{anchor}" if anchor else "")


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


def _render_details(
    request, community: Community, viewer: Membership | None, form, archive_form, status=200
):
    context = manage_context(
        request,
        community,
        viewer,
        "details",
        form=form,
        archive_form=archive_form,
        can_archive=community.is_launched,
        stage_changes=community.stage_changes.select_related("changed_by")[:5],
    )
    return render(request, "communities/manage/details.html", context, status=status)


@login_required
def details(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
    # The form works on a copy so that a rejected edit never shows up in the page header.
    form = CommunityDetailsForm(
        request.POST or None, request.FILES or None, instance=copy.copy(community)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.community_update(community=community, **_details_fields(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The community's details have been saved."))
            return redirect("communities:manage", community.slug)
    return _render_details(request, community, viewer, form, ArchiveForm())


@login_required
@require_POST
def archive(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
    form = ArchiveForm(request.POST)
    if not community.is_launched:
        messages.error(request, _("Only a launched community can be archived."))
        return redirect("communities:manage", community.slug)
    if not form.is_valid():
        details_form = CommunityDetailsForm(instance=copy.copy(community))
        return _render_details(request, community, viewer, details_form, form)
    services.community_archive(community=community, by=request.user, note=form.cleaned_data["note"])
    messages.success(
        request, _("%(name)s is archived. Its content stays readable.") % {"name": community.name}
    )
    return redirect("communities:manage", community.slug)


@login_required
@require_POST
def restore(request, slug: str):
    """Site staff bring an archived community back; facilitators can only archive."""
    community, viewer = access_community(request.user, slug)
    check_can_restore_community(request.user, community)
    services.community_restore(community=community, by=request.user)
    messages.success(request, _("%(name)s is open again.") % {"name": community.name})
    return redirect(community)


@login_required
def launch(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
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
    context = manage_context(
        request,
        community,
        viewer,
        "launch",
        items=items,
        done_count=sum(1 for item in checklist if item.done),
        total_count=len(checklist),
        missing_count=len(missing),
        can_launch=community.is_planning and not missing,
    )
    return render(request, "communities/manage/launch.html", context)
