"""Template context that concerns the signed-in member."""

from functools import cached_property

from .notifications import UNREAD_CAP, unread_count


class UnreadNotifications:
    """The header's unread count, queried only when a template shows it, at most once."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        return unread_count(self.user)

    @cached_property
    def label(self) -> str:
        return f"{UNREAD_CAP}+" if self.count > UNREAD_CAP else str(self.count)


def notifications(request):
    """`unread_notifications` for signed-in people: one COUNT over the partial index of
    unread rows, and none for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UnreadNotifications(user)}
