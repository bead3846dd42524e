from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.base.constants import AuthError
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from . import permissions, sso
from .emails import html_from_text
from .outbox import email_queue


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's emails through the outbox and a Celery worker, not inside the request."""

    def get_login_stages(self) -> list[str]:
        # The two-factor step knows about second factors vouched for by a provider.
        return [
            "members.sso.AuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        # Without django.contrib.sites the "site" would be named after the host name;
        # allauth's emails greet with the site's name, so give them Practica's.
        domain = request.get_host() if request is not None else urlsplit(settings.SITE_URL).netloc
        site = SimpleNamespace(name="Practica", domain=domain)
        ctx = {"request": request, "email": email, "current_site": site}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (
                body
                for body, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            None,
        ) or html_from_text(message.subject, message.body)
        for to in message.to:
            email_queue(
                to=to,
                subject=message.subject,
                text=message.body,
                html=html,
                kind=template_prefix.rsplit("/", 1)[-1],
                # Account emails carry reset and verification links and sign-in codes.
                secret=True,
            )


class MFAAdapter(DefaultMFAAdapter):
    """Staff keep their second factor: the last authenticator app cannot be removed."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        # Only staff are ever refused (members.permissions.check_can_remove_authenticator).
        "cannot_delete_authenticator": _(
            "Staff accounts keep two-factor authentication. Ask another administrator to "
            "remove your staff status first."
        ),
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        try:
            permissions.check_can_remove_authenticator(authenticator)
        except ValidationError:
            return False
        return True


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on: Practica's checks around allauth's social accounts (members/sso.py)."""

    def pre_social_login(self, request, sociallogin) -> None:
        # The ID token must answer this browser's own sign-in: a token minted for
        # another sign-in (replayed or injected) carries another nonce.
        if isinstance(sociallogin.provider, sso.OpenIDConnectProvider) and not sso.nonce_matches(
            sociallogin
        ):
            raise ImmediateHttpResponse(
                render_authentication_error(
                    request,
                    sociallogin.provider,
                    error=AuthError.DENIED,
                    exception=PermissionDenied("The ID token's nonce does not match."),
                )
            )

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.display_name = (name or "").strip()[:80]
        return user

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        # Without a name from the provider, the sign-up form asks for a display name.
        return super().is_auto_signup_allowed(request, sociallogin) and bool(
            sociallogin.user.display_name
        )

    def authenticate_by_email(self, sociallogin):
        """The member who verified, here, an address the provider vouches for.

        allauth's default also matches a member whose address is unverified (and then
        wipes their password); an address nobody proved here links to nobody.
        """
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(
                sociallogin, address.email
            ):
                continue
            verified = (
                EmailAddress.objects.filter(email__iexact=address.email, verified=True)
                .select_related("user")
                .first()
            )
            if verified is not None and verified.user.is_active:
                return verified.user, address.email
        return None
