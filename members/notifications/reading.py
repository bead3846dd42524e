"""Marking notifications read: the writes behind the inbox."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Notification, User


@transaction.atomic
def mark_read(*, user: User, ids: Iterable[int] | Literal["all"]) -> int:
    """Mark some (or "all") of `user`'s notifications read; only their own ones change.
    Returns how many changed. Safe to run twice (the second run changes nothing).

    A pending email for a notification read in the meantime is skipped."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids != "all":
        unread = unread.filter(pk__in=[int(pk) for pk in ids])
    return unread.update(read_at=timezone.now())


@transaction.atomic
def mark_opened(*, user: User, notification: Notification) -> int:
    """Opening a notification reads it, and whatever else is unread about the same post:
    the person is about to see all of it. Only `user`'s own notifications change."""
    same = Q(pk=notification.pk)
    if notification.post_id:
        same |= Q(post_id=notification.post_id)
    return Notification.objects.filter(same, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
