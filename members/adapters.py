from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from .emails import html_from_text
from .services import email_queue


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's emails through the outbox and a Celery worker, not inside the request."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
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
