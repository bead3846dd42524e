"""What every app's views share: htmx fragments, sign-in links and service errors."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _


def is_fragment(request: HttpRequest) -> bool:
    """Did htmx ask for a part of the page (not a boosted full page)?"""
    return bool(request.htmx) and not request.htmx.boosted


def fragment_or_page(request: HttpRequest, template: str, fragment: str) -> str:
    """The full page, or only `fragment` of it when htmx asks for a part of the page."""
    return f"{template}#{fragment}" if is_fragment(request) else template


def login_url(request: HttpRequest, path: str | None = None) -> str:
    """The sign-in page, coming back to `path` (default: this page) afterwards."""
    return f"{reverse('account_login')}?{urlencode({'next': path or request.get_full_path()})}"


def error_text(error: ValidationError | PermissionDenied) -> str:
    """A service's refusal as one sentence for a message."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You are not allowed to do that here.")


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
