"""The REST API's shared plumbing: one error shape, the token scope rule, rate limits
per token, keyset pages and the error responses every operation documents.

Nothing here knows about our models: authentication lives with the tokens
(`members.api`), reads and writes go through each app's door and services.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from .pagination import keyset_page

CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
    429: "throttled",
}


def _messages(detail: Any) -> tuple[str, dict]:
    """A sentence and per-field messages from DRF's nested error details."""
    if isinstance(detail, dict):
        fields = {
            key: [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
            if key != "non_field_errors"
        }
        general = detail.get("non_field_errors") or []
        message = str(general[0]) if general else _("Please check the fields marked.")
        return message, fields
    if isinstance(detail, list):
        return (str(detail[0]) if detail else _("The request is not valid.")), {}
    return str(detail), {}


def error_body(status_code: int, message: str, fields: dict | None = None) -> dict:
    return {
        "error": {
            "status": status_code,
            "code": CODES.get(status_code, "error"),
            "message": message,
            "fields": fields or {},
        }
    }


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every refusal in one shape: {"error": {status, code, message, fields}}.

    The services' Django `ValidationError` is the person's mistake (400); the `check_*`
    rules' `PermissionDenied` is a 403; the doors' `Http404` is the same 404 whether the
    thing is missing or hidden."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            {"non_field_errors": exc.messages}
            if not hasattr(exc, "error_dict")
            else {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or _("You may not do this."))
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(int(exc.wait), 1))
    message, fields = _messages(exc.detail)
    if isinstance(exc, exceptions.Throttled):
        message = _("Too many requests. Try again in %(seconds)d seconds.") % {
            "seconds": max(int(exc.wait or 1), 1)
        }
    from rest_framework.views import set_rollback  # not at import: DRF's settings load us

    set_rollback()
    return Response(error_body(exc.status_code, message, fields), exc.status_code, headers=headers)


class TokenScopePermission(BasePermission):
    """A read-only token may read; writing needs a read-write token (or the session)."""

    message = "This token may only read. Create a read-and-write token to change things."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        token = request.auth
        return not hasattr(token, "can_write") or bool(token.can_write)


class ApiRateThrottle(SimpleRateThrottle):
    """One budget per token; the session's per member; signed out, per address."""

    def get_cache_key(self, request: Request, view: Any) -> str:
        token = request.auth
        if getattr(token, "pk", None) is not None and hasattr(token, "can_write"):
            self.scope, ident = "token", f"t{token.pk}"
        elif request.user.is_authenticated:
            self.scope, ident = "member", f"u{request.user.pk}"
        else:
            self.scope, ident = "anonymous", self.get_ident(request)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return f"api-throttle:{self.scope}:{ident}"

    def __init__(self) -> None:
        # The scope (and so the rate) is known per request, in get_cache_key.
        pass

    def get_rate(self) -> str:
        from rest_framework.settings import api_settings

        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request: Request, view: Any) -> bool:
        self.key = self.get_cache_key(request, view)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()


# --- Pages -------------------------------------------------------------------------


class KeysetPaginator:
    """A page of rows after `?cursor=`, and the link to the next one: no COUNT, no OFFSET."""

    def __init__(self, request: Request, *, size: int) -> None:
        self.request = request
        self.size = size

    def page(self, queryset: QuerySet, ordering: tuple[str, ...]) -> tuple[list, str | None]:
        cursor = checked_cursor(self.request)
        found = keyset_page(queryset, ordering=ordering, cursor=cursor, size=self.size)
        return found.object_list, found.next_cursor

    def response(self, data: list, next_cursor: str | None) -> Response:
        return Response({"results": data, "next": self.next_link(next_cursor)})

    def next_link(self, next_cursor: str | None) -> str | None:
        if next_cursor is None:
            return None
        query = self.request.query_params.copy()
        query["cursor"] = next_cursor
        return self.request.build_absolute_uri(f"{self.request.path}?{query.urlencode()}")


def cursor_parameter() -> Any:
    """`?cursor=`: sort values of the last row shown, digits joined by underscores."""
    from drf_spectacular.utils import OpenApiParameter

    return OpenApiParameter(
        "cursor",
        {"type": "string", "pattern": "^[0-9_]{0,80}$"},
        description="From the previous page's `next` link.",
    )


class StrictCharField(serializers.CharField):
    """Text that must be sent as a JSON string (DRF would turn 5 into "5")."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false, not 0, 1 or "yes"."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON number without a fraction, not "5"."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


CURSOR_PATTERN = re.compile(r"[0-9_]{0,80}")


def checked_cursor(request: Request) -> str | None:
    """The request's `?cursor=`, or a 400 when it cannot be one of ours."""
    cursor = request.query_params.get("cursor") or None
    if cursor is not None and not CURSOR_PATTERN.fullmatch(cursor):
        raise exceptions.ValidationError({"cursor": [_("Use the next link of the previous page.")]})
    return cursor


def page_of(name: str, item: type[serializers.Serializer]) -> serializers.Serializer:
    """The schema of a page of `item`s."""
    return inline_serializer(
        name=name,
        fields={
            "results": item(many=True),
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
        },
    )


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


ERRORS = {
    400: _error("The request is not valid; `fields` says what to fix."),
    401: _error("No valid token or session: missing, unknown, revoked or expired."),
    403: _error("Not allowed for this member, or the token may only read."),
    404: _error("Not found, or not visible to this member."),
    429: _error("Too many requests; `Retry-After` says how many seconds to wait."),
}


def responses(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    """An operation's documented responses: its own, and the error shape for `errors`
    (400 for a malformed request, 401, 404 and 429 always apply)."""
    codes = sorted({400, 401, 404, 429, *errors})
    return {**ok, **{code: ERRORS[code] for code in codes}}


def ascending_page(
    queryset: QuerySet, *, field: str, cursor: str | None, size: int
) -> tuple[list, str | None]:
    """Keyset paging oldest first on (`field`, pk), for what is coming up next."""
    from datetime import datetime

    from django.db.models import Q

    from .pagination import EPOCH, MICROSECOND

    if cursor:
        moment, _sep, pk = cursor.partition("_")
        if moment.lstrip("-").isdigit() and pk.isdigit() and len(cursor) < 40:
            try:
                at = EPOCH + int(moment) * MICROSECOND
            except OverflowError:
                at = None
            if at is not None:
                queryset = queryset.filter(
                    Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": int(pk)})
                )
    rows = list(queryset.order_by(field, "pk")[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last: datetime = getattr(rows[-1], field)
    return rows, f"{(last - EPOCH) // MICROSECOND}_{rows[-1].pk}"
