from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`statuses|get_item:meeting.pk`: a value from a dict the view passed."""
    return (mapping or {}).get(key)


@register.inclusion_tag("meetings/includes/next_meetings.html", takes_context=True)
def next_meetings(context, community, can_read: bool):
    """The next meetings on a community's home page, for readers of its content."""
    from ..selectors import next_meetings as select_next

    return {
        "community": community,
        "meetings": select_next(community) if can_read else [],
        "can_read": can_read,
    }
