"""The facilitators' invitations: sending, revoking, resending."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.htmx import error_text

from .. import services
from ..access import access_community
from ..manage_forms import (
    InvitationForm,
)
from .manage import manage_context

INVITATIONS_PER_PAGE = 25


def _report(request, batch: services.InvitationBatch) -> None:
    sent = len(batch.created)
    if sent:
        messages.success(
            request,
            ngettext("%(n)d invitation sent.", "%(n)d invitations sent.", sent) % {"n": sent},
        )
    if batch.members:
        messages.info(
            request,
            ngettext(
                "%(n)d address belongs to a member or a banned person and was skipped.",
                "%(n)d addresses belong to members or banned people and were skipped.",
                len(batch.members),
            )
            % {"n": len(batch.members)},
        )
    if batch.opted_out:
        messages.warning(
            request,
            _("Not sent, because these addresses asked for no invitations: %(emails)s")
            % {"emails": ", ".join(batch.opted_out)},
        )
    if batch.enough_this_week:
        messages.warning(
            request,
            _(
                "Not sent, because these addresses had enough invitations this week; "
                "try again in a few days: %(emails)s"
            )
            % {"emails": ", ".join(batch.enough_this_week)},
        )


@login_required
def invitations(request, slug: str):
    community, viewer = access_community(request.user, slug, to="manage")
    form = InvitationForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        emails = form.cleaned_data["emails"]
        try:
            batch = services.invitations_send(
                community=community,
                by=request.user,
                emails=emails,
                role=form.cleaned_data["role"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _report(request, batch)
            return redirect("communities:manage_invitations", community.slug)
    page = Paginator(
        community.invitations.select_related("invited_by", "accepted_by").order_by(
            "-created_at", "-pk"
        ),
        INVITATIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    context = manage_context(request, community, viewer, "invitations", form=form, page_obj=page)
    return render(request, "communities/manage/invitations.html", context)


@login_required
@require_POST
def invitation_revoke(request, slug: str, pk: int):
    community, viewer = access_community(request.user, slug, to="manage")
    invitation = get_object_or_404(community.invitations, pk=pk)
    if invitation.accepted_at is not None:
        messages.error(request, _("This invitation has already been accepted."))
    else:
        services.invitation_revoke(invitation=invitation)
        messages.success(
            request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
        )
    return redirect("communities:manage_invitations", community.slug)


@login_required
@require_POST
def invitation_resend(request, slug: str, pk: int):
    community, viewer = access_community(request.user, slug, to="manage")
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
