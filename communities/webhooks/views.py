"""The facilitators' webhooks: register endpoints, read their delivery log, test them,
redeliver. Site-wide endpoints are run by staff in the admin."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.access import access_community
from communities.views.manage import manage_context
from config.htmx import add_service_error, error_text, fragment_or_page, is_fragment
from config.permissions import can

from . import services
from .forms import EndpointForm
from .models import WebhookDelivery
from .permissions import check_can_manage_webhooks

LOG_SIZE = 50


def _door(request, slug: str, pk: int | None = None):
    community, viewer = access_community(request.user, slug, to="manage")
    endpoint = None
    if pk is not None:
        endpoint = get_object_or_404(
            community.webhook_endpoints.with_owner_standing().select_related("created_by"), pk=pk
        )
    return community, viewer, endpoint


def _form_data(form: EndpointForm) -> dict:
    data = form.cleaned_data
    return {"url": data["url"], "events": data["events"], "description": data["description"]}


@login_required
def endpoints(request, slug: str):
    community, viewer, _none = _door(request, slug)
    can_edit = can(check_can_manage_webhooks, request.user, community, viewer)
    form = EndpointForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                endpoint = services.endpoint_create(
                    community=community, by=request.user, **_form_data(form)
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("The endpoint was added. Copy its signing secret into your receiver."),
                )
                return redirect("webhooks:detail", community.slug, endpoint.pk)
    rows = community.webhook_endpoints.with_owner_standing().order_by("created_at", "pk")
    context = manage_context(
        request,
        community,
        viewer,
        "webhooks",
        form=form,
        endpoints=list(rows),
        can_edit_webhooks=can_edit,
    )
    return render(request, "webhooks/endpoint_list.html", context)


def _detail_context(request, community, viewer, endpoint, form=None) -> dict:
    recent = endpoint.deliveries.select_related("event").order_by("-created_at", "-pk")
    # Each delivery with its payload as the receiver gets it, indented for reading.
    deliveries = [
        (delivery, json.dumps(delivery.event.payload, indent=2, ensure_ascii=False))
        for delivery in recent[:LOG_SIZE]
    ]
    if form is None:
        form = EndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "events": endpoint.events,
                "is_active": endpoint.is_active,
            }
        )
    return manage_context(
        request,
        community,
        viewer,
        "webhooks",
        endpoint=endpoint,
        deliveries=deliveries,
        form=form,
        can_edit_webhooks=can(check_can_manage_webhooks, request.user, community, viewer),
    )


@login_required
def endpoint_detail(request, slug: str, pk: int):
    community, viewer, endpoint = _door(request, slug, pk)
    form = None
    if request.method == "POST":
        if not can(check_can_manage_webhooks, request.user, community, viewer):
            raise PermissionDenied
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                services.endpoint_update(
                    endpoint=endpoint,
                    by=request.user,
                    is_active=form.cleaned_data["is_active"],
                    **_form_data(form),
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The endpoint was saved."))
                return redirect("webhooks:detail", community.slug, endpoint.pk)
    context = _detail_context(request, community, viewer, endpoint, form)
    template = fragment_or_page(request, "webhooks/endpoint_detail.html", "delivery_log")
    return render(request, template, context)


def _after_action(request, community, viewer, endpoint):
    """htmx: the refreshed delivery log; otherwise back to the page with the message."""
    if is_fragment(request):
        context = _detail_context(request, community, viewer, endpoint)
        return render(request, "webhooks/endpoint_detail.html#delivery_log", context)
    return redirect("webhooks:detail", community.slug, endpoint.pk)


@login_required
@require_POST
def endpoint_test(request, slug: str, pk: int):
    community, viewer, endpoint = _door(request, slug, pk)
    try:
        services.endpoint_ping(endpoint=endpoint, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("A test event was sent; its delivery is in the log below."))
    return _after_action(request, community, viewer, endpoint)


@login_required
@require_POST
def endpoint_redeliver(request, slug: str, pk: int):
    community, viewer, endpoint = _door(request, slug, pk)
    delivery = get_object_or_404(
        WebhookDelivery.objects.filter(endpoint=endpoint), pk=request.POST.get("delivery") or 0
    )
    try:
        services.delivery_redeliver(delivery=delivery, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("The %(event)s event is sent again, with the same webhook-id.")
            % {"event": delivery.event.type},
        )
    return _after_action(request, community, viewer, endpoint)


@login_required
@require_POST
def endpoint_rotate(request, slug: str, pk: int):
    community, viewer, endpoint = _door(request, slug, pk)
    services.endpoint_rotate_secret(endpoint=endpoint, by=request.user)
    messages.success(
        request, _("The endpoint has a new signing secret; the old one no longer signs.")
    )
    return redirect("webhooks:detail", community.slug, endpoint.pk)


@login_required
@require_POST
def endpoint_delete(request, slug: str, pk: int):
    community, viewer, endpoint = _door(request, slug, pk)
    services.endpoint_delete(endpoint=endpoint, by=request.user)
    messages.success(request, _("The endpoint and its delivery log were removed."))
    return redirect("webhooks:list", community.slug)
