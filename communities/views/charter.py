"""A community's charter: the rules, their history, accepting a new version."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..access import access_community, community_context
from ..forms import (
    CharterAcceptForm,
)
from ..models import Community, Membership
from ..permissions import (
    active_membership,
)


def _charter_page(
    request, community: Community, viewer: Membership | None, form: CharterAcceptForm | None = None
):
    versions = list(community.charter_versions.select_related("published_by"))
    current = next((v for v in versions if v.number == community.current_charter_number), None)
    context = community_context(
        request.user,
        community,
        viewer,
        tab="charter",
        current=current,
        history=versions,
        form=form or CharterAcceptForm(),
    )
    return render(request, "communities/community_charter.html", context)


def charter(request, slug: str):
    community, viewer = access_community(request.user, slug)
    return _charter_page(request, community, viewer)


@login_required
@require_POST
def charter_accept(request, slug: str):
    community, viewer = access_community(request.user, slug)
    membership = active_membership(viewer)
    if membership is None:
        messages.info(request, _("Only members accept a community's rules."))
        return redirect("communities:charter", slug=community.slug)
    form = CharterAcceptForm(request.POST)
    if form.is_valid():
        try:
            services.charter_accept(membership=membership)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you for accepting the rules."))
            return redirect(community)
    return _charter_page(request, community, viewer, form)
