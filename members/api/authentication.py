"""How the API knows who is asking: a personal access token, or the site's session."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, get_authorization_header
from rest_framework.request import Request

from config.api import error_body
from config.privilege import mark_mfa_session

from ..api_tokens import ApiToken, api_token_authenticate


class ApiTokenAuthentication:
    """`Authorization: Bearer prt_…`. An unknown, revoked or expired token is a 401.

    The token's owner is loaded fresh, so it acts with their current memberships, and is
    marked as having no second-factor session: a token never carries staff privilege."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Bearer <token>."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            # Not ASCII, so no token of ours: authenticates nothing below.
            secret = ""  # nosec B105
        token = api_token_authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("This token is not valid: unknown, revoked or expired.")
            )
        user = token.user
        mark_mfa_session(user, False)
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def also_by_token(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the site's own GET views that the API links to (a file's download): a request
    with `Authorization: Bearer <token>` acts as the token's owner, exactly as in the API
    (`ApiTokenAuthentication`: their current memberships, never staff privilege), and an
    unknown, revoked or expired token is the API's 401. Without that header, the session
    as usual. The view's own door then decides, as for anyone."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        parts = get_authorization_header(request).split()
        if parts and parts[0].lower() == ApiTokenAuthentication.keyword:
            authentication = ApiTokenAuthentication()
            try:
                user, _token = authentication.authenticate(request)
            except exceptions.AuthenticationFailed as error:
                response = JsonResponse(error_body(401, str(error.detail)), status=401)
                response["WWW-Authenticate"] = authentication.authenticate_header(request)
                return response
            request.user = user
        return view(request, *args, **kwargs)

    return wrapped


class SiteSessionAuthentication(SessionAuthentication):
    """The site's own pages call the API with the session cookie (and a CSRF token).

    The session's user is the one the middleware marked, so staff keep a second-factor
    session's privilege here exactly as on the pages."""


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "members.api.authentication.ApiTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token from Settings → API tokens.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "members.api.authentication.SiteSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
