"""Reads of playbook pages, scoped to what a viewer may read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from communities.models import Community

if TYPE_CHECKING:
    from members.models import User


class PlaybookPageQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> PlaybookPageQuerySet:
        """Pages of the communities whose content `user` may read: the same door as posts
        (`Community.objects.readable_by`)."""
        return self.filter(community__in=Community.objects.readable_by(user))

    def in_order(self) -> PlaybookPageQuerySet:
        return self.order_by("position", "pk")
