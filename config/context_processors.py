from functools import cached_property

from django.conf import settings


def site(request):
    return {"SITE_NAME": "Practica", "SITE_URL": settings.SITE_URL}


class UnreadNotifications:
    """The header's unread count, queried only when a template shows it, at most once."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        from members.notifications import unread_count

        return unread_count(self.user)

    @cached_property
    def label(self) -> str:
        from members.notifications import UNREAD_CAP

        return f"{UNREAD_CAP}+" if self.count > UNREAD_CAP else str(self.count)


def notifications(request):
    """`unread_notifications` for signed-in people: one COUNT over the partial index of
    unread rows, and none for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UnreadNotifications(user)}
