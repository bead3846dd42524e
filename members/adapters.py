from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings

from .emails import html_from_text
from .outbox import email_queue


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's emails through the outbox and a Celery worker, not inside the request."""

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
            )
