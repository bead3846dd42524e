"""Digest pages: the signed-in member's preview, and unsubscribing without signing in."""

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .. import digests


@login_required
def digest_preview(request: HttpRequest) -> HttpResponse:
    """What the member's next digest would contain right now; nothing is sent."""
    preview = digests.preview_for(request.user)
    return render(
        request,
        "members/digest_preview.html",
        {"preview": preview, "preferences_url": digests.preferences_url()},
    )


@login_required
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"], "style-src": ["'unsafe-inline'"]})
def digest_preview_email(request: HttpRequest) -> HttpResponse:
    """The HTML part of the member's next digest, exactly as emailed, for the preview
    page's sandboxed frame (emails carry their styles inline)."""
    preview = digests.preview_for(request.user, framed=True)
    if preview.email is None:
        raise Http404
    return HttpResponse(preview.email.html)


def _masked(email: str) -> str:
    name, _at, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}"


# Mail clients send RFC 8058 one-click requests without cookies or a CSRF token; the
# signed token in the URL is what authorises the change.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: ask to confirm. POST (the button, or a mail client's one-click request):
    stop the digest, or leave one community out of it."""
    unsubscription = digests.unsubscription_from_token(token)
    if unsubscription is None:
        return render(
            request,
            "members/digest_unsubscribe.html",
            {"invalid": True, "preferences_url": digests.preferences_url()},
            status=400,
        )
    if request.method == "POST":
        digests.digest_unsubscribe(unsubscription=unsubscription)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(_("You are unsubscribed."), content_type="text/plain")
        if unsubscription.community is None:
            messages.success(request, _("You will not receive digest emails any more."))
        else:
            messages.success(
                request,
                _("%(community)s is left out of your digest from now on.")
                % {"community": unsubscription.community.name},
            )
        return redirect(request.path)
    return render(
        request,
        "members/digest_unsubscribe.html",
        {
            "unsubscription": unsubscription,
            "community": unsubscription.community,
            "done": unsubscription.done,
            "email": _masked(unsubscription.user.email),
            "preferences_url": digests.preferences_url(),
        },
    )
