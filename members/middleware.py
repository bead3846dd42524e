import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _

from config.privilege import mark_mfa_session


class MemberPreferencesMiddleware:
    """Show pages in the signed-in member's time zone and preferred language.

    The language follows the person: a member's profile decides, and the language
    switcher (Django's set_language view) changes the profile, so the choice wins on
    every later page, email and digest.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.set_language_path = reverse("set_language")

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
        response = self.get_response(request)
        if request.path == self.set_language_path and request.method == "POST":
            self.remember_language(request, response)
        return response

    @staticmethod
    def remember_language(request, response) -> None:
        # After the view: a request refused by the CSRF check (403) changes nothing.
        user = request.user
        code = request.POST.get("language", "")
        if (
            response.status_code in (302, 204)
            and user.is_authenticated
            and code in dict(settings.LANGUAGES)
            and check_for_language(code)
            and user.language != code
        ):
            user.language = code
            user.save(update_fields=["language"])


class StaffAdminRequiresMFAMiddleware:
    """Staff reach the Django admin only with two-factor authentication set up, or with a
    second factor that their single sign-on provider vouched for in this session (for a
    provider configured with `"mfa": "idp"`, members/sso.py).

    A staff account without one is sent to the ordinary two-factor settings page, not
    into setting one up: adding an authenticator is the account owner's own step there
    (allauth asks for the password again, and emails the address about it), and staff
    status goes only to accounts that already have one (members.permissions).

    The admin is recognised by the resolved view's namespace, not by the path, so the
    check holds when the site is served under a prefix (SCRIPT_NAME)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or "admin" not in match.namespaces:
            return None
        user = request.user
        if user.is_authenticated and user.is_staff:
            from allauth.mfa.utils import is_mfa_enabled

            from .sso import session_has_idp_mfa

            if not is_mfa_enabled(user) and not session_has_idp_mfa(request, user):
                messages.warning(
                    request,
                    _(
                        "Your staff account has no second factor, so the administration "
                        "stays closed. Set up an authenticator app here first."
                    ),
                )
                return redirect("mfa_index")
        return None


class StaffMFASessionMiddleware:
    """Mark the signed-in staff member with whether this session was authenticated
    with a second factor (allauth records the methods used in the session): staff
    powers on the site need it (`config.privilege.is_privileged`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_staff:
            from allauth.account.authentication import get_authentication_records

            from .sso import session_has_idp_mfa

            records = get_authentication_records(request, user)
            # A second factor here, or one the single sign-on provider vouched for.
            mark_mfa_session(
                user,
                any(r.get("method") == "mfa" for r in records)
                or session_has_idp_mfa(request, user),
            )
        return self.get_response(request)
