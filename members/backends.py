"""Authentication backends that load the signed-in member with their unread count.

Every page shows the number of unread notifications in its header. Loading it with the
user row that the session lookup fetches anyway (a COUNT over the partial index of
unread notifications, as a subquery) keeps every page's query budget unchanged.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from .models import User


class _LoadsUnreadCount:
    def get_user(self, user_id):
        from .notifications import unread_count_subquery

        user = (
            User._default_manager.annotate(unread_notification_count=unread_count_subquery())
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)


class ModelBackend(_LoadsUnreadCount, DjangoModelBackend):
    pass


class AuthenticationBackend(_LoadsUnreadCount, AllauthBackend):
    pass
