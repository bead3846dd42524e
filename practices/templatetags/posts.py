from django import template

from practices.services import member_handle

register = template.Library()


@register.filter(name="handle")
def handle_filter(user) -> str:
    """{{ user|handle }}: how to @mention this member."""
    return member_handle(user) if user else ""
