"""The member's personal access tokens for the API: create (shown once) and revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..api_tokens import api_token_create, api_token_revoke, api_tokens_of
from ..forms import ApiTokenForm


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The tokens, and the form for a new one. A new token's secret is shown in the
    answer to the POST itself, once, and never stored: not in the session, not in a
    message, and the page is not cached."""
    form = ApiTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm()
    context = {"form": form, "issued": issued, "tokens": list(api_tokens_of(request.user))}
    response = render(request, "members/api_token_list.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if api_token_revoke(user=request.user, pk=pk):
        messages.success(request, _("The token was revoked. Programs using it are refused now."))
    else:
        messages.info(request, _("That token was already revoked."))
    return redirect("members:api_tokens")
