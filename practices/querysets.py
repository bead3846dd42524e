"""Reads of posts and comments, always scoped through the communities' one door."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class PostQuerySet(models.QuerySet):
    def published(self) -> PostQuerySet:
        return self.filter(status="published")

    def visible_to(self, user) -> PostQuerySet:
        """Published posts `user` may read: in a community whose content they can read,
        not hidden by facilitators (authors and the community's facilitators still see
        hidden posts, marked as such)."""
        from communities.models import Community

        readable = Community.objects.readable_by(user)
        qs = self.filter(status="published", community__in=readable)
        if not user.is_authenticated:
            return qs.filter(hidden_at__isnull=True)
        if user.is_staff:
            return qs
        facilitated = Community.objects.facilitated_by(user).values("pk")
        return qs.filter(Q(hidden_at__isnull=True) | Q(author=user) | Q(community__in=facilitated))

    def drafts_of(self, user) -> PostQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(status="draft", author=user)

    def with_list_related(self) -> PostQuerySet:
        return self.select_related("community", "author").prefetch_related("tags")


class CommentQuerySet(models.QuerySet):
    def visible(self) -> CommentQuerySet:
        return self.filter(status="visible", hidden_at__isnull=True)

    def visible_to(self, user) -> CommentQuerySet:
        """Comments on posts `user` may read, not deleted; hidden ones only for their
        author and the community's facilitators."""
        from communities.models import Community

        from .models import Post

        qs = self.filter(status="visible", post__in=Post.objects.visible_to(user))
        if not user.is_authenticated:
            return qs.filter(hidden_at__isnull=True)
        if user.is_staff:
            return qs
        facilitated = Community.objects.facilitated_by(user).values("pk")
        return qs.filter(
            Q(hidden_at__isnull=True) | Q(author=user) | Q(post__community__in=facilitated)
        )
