from django import template
from django.utils.safestring import mark_safe

from practices.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    """{{ text|markdown }}: sanitised HTML from Markdown."""
    # nh3 sanitised it.
    return mark_safe(render_markdown(text))  # noqa: S308  # nosec B308 B703
