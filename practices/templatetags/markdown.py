from functools import lru_cache

from django import template
from django.utils.safestring import mark_safe

from practices.markdown import link_mentions, render_markdown

register = template.Library()


@lru_cache(maxsize=256)
def _rendered(text: str) -> str:
    # Community texts (purpose, welcome message) appear on every page view; the output
    # depends on the text alone, so each process renders a given text once.
    return render_markdown(text)


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    """{{ text|markdown }}: sanitised HTML from Markdown."""
    # nh3 sanitised it.
    return mark_safe(_rendered(str(text or "")))  # noqa: S308  # nosec B308 B703


@register.filter(name="stored_html")
def stored_html_filter(html: str) -> str:
    """{{ post.body_html.learned|stored_html }}: HTML the services sanitised when the
    text was written (Post.body_html, Comment.body_html), shown as it is."""
    # Sanitised by practices.markdown when it was stored.
    return mark_safe(html or "")  # noqa: S308  # nosec B308 B703


@register.filter(name="stored_markdown")
def stored_markdown_filter(html: str, text: str) -> str:
    """{{ comment.body_html|stored_markdown:comment.body }}: the HTML stored when the text
    was written (sanitised then, practices.markdown). Only a row that no renderer has
    reached yet (written around the services) has its Markdown rendered now."""
    if html or not (text or "").strip():
        # Sanitised by practices.markdown when it was stored.
        return mark_safe(html or "")  # noqa: S308  # nosec B308 B703
    # nh3 sanitised it.
    return mark_safe(render_markdown(text))  # noqa: S308  # nosec B308 B703


@register.filter(name="link_mentions")
def link_mentions_filter(html: str, profiles) -> str:
    """{{ html|link_mentions:profiles }}: @mentions become links to the profiles the
    reader may open (`profiles` from `practices.bylines.profile_links`)."""
    by_handle = getattr(profiles, "by_handle", None) or {}
    # Sanitised HTML whose only change is our own mention links.
    return mark_safe(link_mentions(str(html), by_handle))  # noqa: S308  # nosec B308 B703
