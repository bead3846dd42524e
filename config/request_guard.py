"""Requests the site refuses before any view sees them."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.views.defaults import bad_request

NUL = "\x00"


class RejectNulMiddleware:
    """A NUL character in the path, the query or a form value is a 400 page.

    PostgreSQL refuses NUL in text, so a NUL reaching a lookup raises DataError (a 500)
    wherever a view forgot to check; one check here covers every URL pattern.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            if request.path.startswith("/api/"):
                # The API answers in its own error shape (config.api).
                from .api import error_body

                message = gettext("A NUL character is not allowed in a request.")
                return JsonResponse(error_body(400, message), status=400)
            return bad_request(request, SuspiciousOperation("NUL character in the request"))
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if NUL in request.path or NUL in request.path_info:
            return True
        if "%00" in request.META.get("QUERY_STRING", "").lower():
            return True
        forms = [request.GET, request.POST] if request.method == "POST" else [request.GET]
        for values in forms:
            for key, items in values.lists():
                if NUL in key or any(NUL in item for item in items):
                    return True
        return False
