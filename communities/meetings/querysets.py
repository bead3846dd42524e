"""Reads of meetings. Who may see a meeting is who may read its community's content:
`Community.objects.readable_by`, the one rule, never a second copy."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

if TYPE_CHECKING:
    from members.models import User


def _readable_communities(user: User) -> models.QuerySet:
    from communities.models import Community

    return Community.objects.readable_by(user)


class SeriesQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> SeriesQuerySet:
        return self.filter(community__in=_readable_communities(user))


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> MeetingQuerySet:
        """Meetings whose page `user` may open: those of communities they may read."""
        return self.filter(community__in=_readable_communities(user))

    def scheduled(self) -> MeetingQuerySet:
        return self.filter(status="scheduled")

    def upcoming(self, now: datetime | None = None) -> MeetingQuerySet:
        """Meetings that have not ended yet (cancelled ones included: they say so)."""
        return self.filter(ends_at__gt=now or timezone.now()).order_by("starts_at", "pk")

    def past(self, now: datetime | None = None) -> MeetingQuerySet:
        return self.filter(ends_at__lte=now or timezone.now()).order_by("-starts_at", "-pk")

    def for_member(self, user: User) -> MeetingQuerySet:
        """`user`'s meetings across communities: those of communities where they are an
        active member, and those they answered yes or maybe to as a guest."""
        if not user.is_authenticated:
            return self.none()
        from communities.models import Membership

        from .models import Rsvp

        member = Membership.objects.filter(
            community=OuterRef("community"), user=user, status=Membership.Status.ACTIVE
        )
        answered = Rsvp.objects.filter(
            meeting=OuterRef("pk"), user=user, status__in=["going", "waiting", "maybe"]
        )
        return self.visible_to(user).filter(Q(Exists(member)) | Q(Exists(answered)))

    def with_list_related(self) -> MeetingQuerySet:
        return self.select_related("community", "series").only(
            "pk",
            "title",
            "starts_at",
            "duration_minutes",
            "ends_at",
            "time_zone",
            "status",
            "capacity",
            "going_count",
            "audience",
            "series_id",
            "series__uid",
            "community__slug",
            "community__name",
            "community__cover_color",
        )
