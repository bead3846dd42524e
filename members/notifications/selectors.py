"""Reads: what a member may still see of their notifications, and how many are unread."""

from __future__ import annotations

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce

from communities.models import Community, Invitation
from practices.models import Comment, Post

from ..models import Notification, NotificationKind, User

UNREAD_CAP = 99


def with_visibility(queryset: QuerySet[Notification], user: User) -> QuerySet[Notification]:
    """Annotate `can_see`: whether `user` may still see what each notification is
    about, through the same scoped querysets as the pages (four EXISTS, one query).

    An invitation shows only while that invitation is open, addressed to `user`, and
    its community visible to them (which an open invitation makes it): not once it
    was withdrawn, used or expired, nor after the invitee left or was removed or banned.
    """
    invitation_ok = Exists(
        Invitation.objects.open()
        .for_user(user)
        .filter(
            pk=OuterRef("invitation_id"),
            community__in=Community.objects.visible_to(user),
        )
    )
    comment_ok = Exists(Comment.objects.visible_to(user).filter(pk=OuterRef("comment_id")))
    post_ok = Exists(Post.objects.visible_to(user).filter(pk=OuterRef("post_id")))
    community_ok = Exists(Community.objects.visible_to(user).filter(pk=OuterRef("community_id")))
    return queryset.annotate(
        can_see=Case(
            When(comment_id__isnull=False, then=comment_ok),
            When(post_id__isnull=False, then=post_ok),
            When(kind=NotificationKind.INVITATION, then=invitation_ok),
            When(community_id__isnull=False, then=community_ok),
            default=True,
            output_field=BooleanField(),
        )
    )


def unread_count(user: User) -> int:
    """How many notifications `user` has not read: one COUNT over the partial index of
    unread rows. The authentication backends load it with the user instead, as
    `user.unread_notification_count`, so that pages pay no query for it."""
    loaded = getattr(user, "unread_notification_count", None)
    if loaded is not None:
        return loaded
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def unread_count_subquery() -> Coalesce:
    """`unread_count` as a subquery over the users table (see members/backends.py)."""
    counted = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)
