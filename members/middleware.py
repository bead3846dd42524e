import zoneinfo

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _


class MemberPreferencesMiddleware:
    """Show pages in the signed-in member's time zone and preferred language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(str(user.time_zone)))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        else:
            timezone.deactivate()
        return self.get_response(request)


class StaffAdminRequiresMFAMiddleware:
    """Staff reach the Django admin only with two-factor authentication set up, or with a
    second factor that their single sign-on provider vouched for in this session (for a
    provider configured with `"mfa": "idp"`, members/sso.py)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request):
        user = request.user
        if request.path.startswith(self.admin_prefix) and user.is_authenticated and user.is_staff:
            from allauth.mfa.utils import is_mfa_enabled

            from .sso import session_has_idp_mfa

            if not is_mfa_enabled(user) and not session_has_idp_mfa(request, user):
                messages.warning(
                    request,
                    _("Set up two-factor authentication before you open the administration."),
                )
                return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)
