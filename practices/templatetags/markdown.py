from django import template
from django.utils.safestring import mark_safe

from practices.markdown import link_mentions, render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    """{{ text|markdown }}: sanitised HTML from Markdown."""
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 sanitised it


@register.filter(name="link_mentions")
def link_mentions_filter(html: str, profiles) -> str:
    """{{ html|link_mentions:profiles }}: @mentions become links to the profiles the
    reader may open (`profiles` from `practices.bylines.profile_links`)."""
    by_handle = getattr(profiles, "by_handle", None) or {}
    return mark_safe(link_mentions(str(html), by_handle))  # noqa: S308 - our own marks only
