"""Single sign-on through OpenID Connect: the rules Practica adds to allauth's provider.

- Every authorization request carries a fresh nonce, kept in the sign-in's state; the
  ID token must echo it (allauth's provider sends none).
- Addresses at `SSO_ONLY_DOMAINS` have no password way in.
- A provider configured with `"mfa": "idp"` may vouch for the second factor: its ID
  token's `amr` lists "mfa" or "otp", or its `acr` is one of `mfa_acr_values`.
"""

from __future__ import annotations

import secrets

from allauth.account.internal.flows.login import (
    get_authentication_records,
    record_authentication,
)
from allauth.mfa.stages import AuthenticateStage as MFAAuthenticateStage
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.openid_connect.provider import (
    OpenIDConnectProvider as AllauthOpenIDConnectProvider,
)
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

# `amr` values (RFC 8176) that say a second factor was used.
MFA_AMR_VALUES = frozenset({"mfa", "otp"})
# The authentication record (allauth keeps them in the session) of a second factor
# the identity provider vouched for.
IDP_MFA_METHOD = "idp_mfa"


class OpenIDConnectProvider(AllauthOpenIDConnectProvider):
    """allauth's OpenID Connect provider, sending a nonce with every sign-in."""

    # allauth builds the URLs from the provider's package: keep allauth's.
    package = "allauth.socialaccount.providers.openid_connect"

    def redirect(
        self,
        request: HttpRequest,
        process: str,
        next_url: str | None = None,
        data: dict | None = None,
        **kwargs,
    ) -> HttpResponse:
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        nonce = secrets.token_urlsafe(32)
        auth_params["nonce"] = nonce
        # Extra keyword arguments are stored in the sign-in's state, in the session.
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )


def id_token_claims(sociallogin: SocialLogin) -> dict:
    extra = sociallogin.account.extra_data or {}
    claims = extra.get("id_token")
    return claims if isinstance(claims, dict) else {}


def nonce_matches(sociallogin: SocialLogin) -> bool:
    """Whether the ID token answers the sign-in this browser started (its nonce)."""
    expected = (sociallogin.state or {}).get("nonce")
    received = id_token_claims(sociallogin).get("nonce")
    if not isinstance(expected, str) or not isinstance(received, str):
        return False
    return secrets.compare_digest(expected.encode(), received.encode())


def idp_vouches_for_mfa(sociallogin: SocialLogin) -> bool:
    """Whether this sign-in's provider may stand in for our second factor, and did."""
    app = getattr(sociallogin.provider, "app", None)
    if app is None or app.settings.get("mfa") != "idp":
        return False
    claims = id_token_claims(sociallogin)
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if MFA_AMR_VALUES & {str(value).lower() for value in amr}:
        return True
    acr = claims.get("acr")
    return isinstance(acr, str) and acr in app.settings.get("mfa_acr_values", [])


def session_has_idp_mfa(request: HttpRequest, user: AbstractBaseUser) -> bool:
    """Whether this session's sign-in had a second factor vouched for by a provider."""
    return any(
        record.get("method") == IDP_MFA_METHOD
        for record in get_authentication_records(request, user)
    )


class AuthenticateStage(MFAAuthenticateStage):
    """allauth's two-factor step, skipped when the provider vouched for a second factor.

    The vouching is recorded with the session's other authentication records, so the
    admin's two-factor rule (members/middleware.py) accepts it for this session only.
    """

    def handle(self) -> tuple:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        user = self.login.user
        if sociallogin is not None and user is not None and idp_vouches_for_mfa(sociallogin):
            claims = id_token_claims(sociallogin)
            record_authentication(
                self.request,
                user,
                IDP_MFA_METHOD,
                provider=sociallogin.account.provider,
                amr=claims.get("amr"),
                acr=claims.get("acr"),
            )
            return None, True
        return super().handle()


# --- Addresses that sign in only through single sign-on -------------------------------


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def is_sso_only(email: str) -> bool:
    return bool(email) and email_domain(email) in settings.SSO_ONLY_DOMAINS


def sso_button_names() -> list[str]:
    from allauth.socialaccount.adapter import get_adapter

    return [app.name for app in get_adapter().list_apps(None, provider="openid_connect")]


def check_password_allowed(email: str) -> None:
    """Refuse a password sign-in, sign-up or reset for an address at an SSO-only domain,
    pointing to the single sign-on button instead."""
    if not is_sso_only(email):
        return
    names = sso_button_names()
    domain = email_domain(email)
    if len(names) == 1:
        message = _(
            "Addresses at %(domain)s sign in with single sign-on, without a password "
            "here: use the “Continue with %(provider)s” button on the sign-in page."
        ) % {"domain": domain, "provider": names[0]}
    else:
        message = _(
            "Addresses at %(domain)s sign in with single sign-on, without a password "
            "here: use your organisation's button on the sign-in page."
        ) % {"domain": domain}
    raise ValidationError(message, code="sso_only")
