from django import template

from practices import bylines
from practices.services import member_handle

register = template.Library()


@register.filter(name="handle")
def handle_filter(user) -> str:
    """{{ user|handle }}: how to @mention this member."""
    return member_handle(user) if user else ""


@register.filter(name="author_name")
def author_name_filter(post) -> str:
    """{{ post|author_name }}: the author as everyone reads it (practices.bylines)."""
    return bylines.author_name(post)


@register.filter(name="by_author")
def by_author_filter(post) -> str:
    """{{ post|by_author }}: "by <name>" as everyone reads it (practices.bylines)."""
    return bylines.by_author(post)


@register.filter(name="unnamed_on")
def unnamed_on_filter(person_id, post) -> bool:
    """{% if comment.author_id|unnamed_on:post %}: shown without a name on `post`."""
    return bylines.hides(post, person_id)


@register.filter(name="name_on")
def name_on_filter(person, post) -> str:
    """{{ comment.author|name_on:post }}: the person's name as shown on `post`."""
    return bylines.shown_name(post, person)
