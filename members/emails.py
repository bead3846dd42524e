"""Email template triplets: templates/emails/<name>/{subject.txt,body.txt,body.html}."""

from contextlib import nullcontext
from dataclasses import dataclass

from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.html import linebreaks, urlize

from config.context_processors import site

from .models import OutboundEmail
from .outbox import email_queue


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(name: str, context: dict) -> RenderedEmail:
    """Render the subject, text and HTML parts of the email called `name`."""
    ctx = {**site(None), **context}
    subject = _render_plain(f"emails/{name}/subject.txt", ctx)
    text = _render_plain(f"emails/{name}/body.txt", ctx).strip()
    html = render_to_string(f"emails/{name}/body.html", ctx)
    return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)


def email_send(
    name: str,
    *,
    to: str,
    context: dict,
    kind: str | None = None,
    language: str | None = None,
    dedupe_key: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[dict[str, str]] | None = None,
    secret: bool = False,
) -> OutboundEmail | None:
    """Render the email called `name` (in `language`, when given) and queue it in the outbox.

    The one way the app sends a templated email: the outbox row is written in the
    caller's transaction. Returns None when `dedupe_key` was used before.
    """
    with translation.override(language) if language else nullcontext():
        email = render_email(name, context)
    return email_queue(
        to=to,
        subject=email.subject,
        text=email.text,
        html=email.html,
        headers=headers,
        kind=kind or name,
        dedupe_key=dedupe_key,
        attachments=attachments,
        secret=secret,
    )


def _render_plain(template_name: str, context: dict) -> str:
    """Plain-text parts are not HTML: "Ben & Chloé's" must not become "Ben &amp; Chloé&#x27;s"."""
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def html_from_text(subject: str, text: str) -> str:
    """Wrap a plain-text email (such as allauth's) in the site's HTML email layout."""
    body = linebreaks(urlize(text, autoescape=True), autoescape=False)
    return render_to_string(
        "emails/layout_from_text.html", {**site(None), "subject": subject, "body": body}
    )
