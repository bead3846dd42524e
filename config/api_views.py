"""The API's schema class and its catch-all 404 (apart from `config.api`, which DRF's
settings import while its views are still loading)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response


class ApiSchema(AutoSchema):
    """drf-spectacular's schema, knowing that `TokenScopePermission` lets anyone read
    (the door then decides what they see), so a read needs no credentials."""

    def get_auth(self) -> list[dict]:
        auths = super().get_auth()
        perms = {p.__class__.__name__ for p in self.view.get_permissions()}
        if self.method in SAFE_METHODS and perms == {"TokenScopePermission"}:
            auths.append({})
        return auths


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request: Request, rest: str = "") -> Response:
    """Any other address under the API: the same JSON 404, never the site's HTML page."""
    raise exceptions.NotFound(_("Not found."))


# Text without NUL characters: the request guard (config.request_guard) answers 400 to
# any path or query holding one, as PostgreSQL could not store or compare it.
NO_NUL = "^[^\\x00]*$"


def no_nul_in_parameters(result: dict, **kwargs) -> dict:
    """drf-spectacular post-processing hook: path and query parameters that are free
    text say, in the schema, that they take no NUL character."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(
                    schema
                ):
                    schema["pattern"] = NO_NUL
    return result
