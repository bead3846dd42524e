from django import template
from django.utils.safestring import mark_safe

from practices.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    """{{ text|markdown }}: sanitised HTML from Markdown."""
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 sanitised it


@register.filter(name="stored_markdown")
def stored_markdown_filter(html: str, text: str) -> str:
    """{{ comment.body_html|stored_markdown:comment.body }}: the HTML stored when the text
    was written (sanitised then, practices.markdown). Only a row that no renderer has
    reached yet (written around the services) has its Markdown rendered now."""
    if html or not (text or "").strip():
        return mark_safe(html or "")  # noqa: S308 - sanitised when stored
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 sanitised it
