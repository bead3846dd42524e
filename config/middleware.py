"""Operations middleware: health endpoints and one log line plus metrics per request."""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from . import metrics
from .logs import REQUEST_ID_HEADER, request_id_from
from .ops_views import health_response

log = structlog.get_logger("practica.request")

HEALTH_PATHS = {"/healthz": "liveness", "/readyz": "readiness"}


GetResponse = Callable[[HttpRequest], HttpResponse]


class HealthCheckMiddleware:
    """Answer `/healthz` and `/readyz` before anything else runs.

    First in MIDDLEWARE: load balancers probe over plain HTTP, by IP address, without
    cookies, so the HTTPS redirect, the host check, sessions and CSRF must not apply.
    The answers carry no private data.
    """

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        kind = HEALTH_PATHS.get(request.path_info)
        if kind and request.method in ("GET", "HEAD"):
            return health_response(kind)
        return self.get_response(request)


class RequestLogMiddleware:
    """Bind a request id, then write one structured line and record the metrics.

    The id comes from the proxy's `X-Request-ID` or is made up here; it is sent back in
    the response, and tasks the request enqueues carry it (config/tasks_observed.py).
    """

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        queries = QueryCounter()
        start = time.perf_counter()
        try:
            with connection.execute_wrapper(queries):
                response = self.get_response(request)
        except Exception:
            # Django's handler turns exceptions into a 500 response before they get
            # here; anything reaching this point is logged by the server too.
            self._log(request, 500, time.perf_counter() - start, queries.count)
            structlog.contextvars.clear_contextvars()
            raise
        response[REQUEST_ID_HEADER] = request_id
        self._log(request, response.status_code, time.perf_counter() - start, queries.count)
        structlog.contextvars.clear_contextvars()
        return response

    def _log(self, request: HttpRequest, status: int, duration: float, query_count: int) -> None:
        match = getattr(request, "resolver_match", None)
        if match:
            route = match.view_name
        elif request.path.startswith(settings.STATIC_URL):
            route = "static"
        else:
            route = "unmatched"
        metrics.REQUEST_LATENCY.labels(route, request.method, str(status)).observe(duration)
        metrics.REQUEST_QUERIES.labels(route).observe(query_count)
        level = "error" if status >= 500 else "info"
        getattr(log, level)(
            "request",
            method=request.method,
            path=request.path,
            route=route,
            status=status,
            duration_ms=round(duration * 1000, 2),
            queries=query_count,
            user_id=_user_id(request),
        )


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in member's id, if the request already loaded them (never a query
    of its own: static files and health probes have no user)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(
        self, execute: Callable, sql: str, params: object, many: bool, context: dict
    ) -> object:
        self.count += 1
        return execute(sql, params, many, context)
