"""Health and metrics endpoints, for load balancers, monitoring and Prometheus."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from prometheus_client import CONTENT_TYPE_LATEST

from . import health, metrics


def health_response(kind: str) -> JsonResponse:
    """`/healthz` (the process answers) or `/readyz` (it can serve: 503 when not)."""
    report = health.liveness() if kind == "liveness" else health.readiness()
    response = JsonResponse(report.as_dict(), status=200 if report.ready else 503)
    add_never_cache_headers(response)
    return response


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for a scraper sending `Authorization: Bearer <METRICS_TOKEN>`.

    Without a token configured the endpoint exists only in development (DEBUG), where
    `make run` shows it; in production it is a 404 until a token is set.
    """
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    elif not settings.DEBUG:
        raise Http404
    response = HttpResponse(metrics.render_latest(), content_type=CONTENT_TYPE_LATEST)
    add_never_cache_headers(response)
    return response
