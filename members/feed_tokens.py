"""Secret feed addresses: one random token per member and purpose (calendars, later RSS).

A calendar program or feed reader cannot sign in, so the address itself authorises.
Each member has at most one live token per purpose; regenerating revokes the old one,
and a revoked token answers like one that never existed.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser as User


class FeedPurpose(models.TextChoices):
    CALENDAR = "calendar", _("Calendar subscription")
    POSTS = "posts", _("News feed subscription")


class FeedToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=FeedPurpose.choices)
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        app_label = "members"
        verbose_name = _("feed token")
        verbose_name_plural = _("feed tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=Q(revoked_at__isnull=True),
                name="feed_token_one_live_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} of {self.user}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def feed_token_for(*, user: User, purpose: str) -> FeedToken:
    """The member's live token for `purpose`, created on first use. Safe to run twice."""
    existing = FeedToken.objects.filter(user=user, purpose=purpose, revoked_at__isnull=True)
    token = existing.first()
    if token:
        return token
    token, _created = FeedToken.objects.get_or_create(
        user=user, purpose=purpose, revoked_at=None, defaults={"token": _new_token()}
    )
    return token


@transaction.atomic
def feed_token_regenerate(*, user: User, purpose: str) -> FeedToken:
    """Revoke the member's token for `purpose` and issue a new one: old addresses stop."""
    feed_token_revoke(user=user, purpose=purpose)
    return FeedToken.objects.create(user=user, purpose=purpose, token=_new_token())


def feed_token_revoke(*, user: User, purpose: str) -> int:
    """Revoke the member's live token for `purpose`. Returns how many were revoked."""
    return FeedToken.objects.filter(user=user, purpose=purpose, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def feed_token_owner(*, token: str, purpose: str) -> User | None:
    """The active member a live token belongs to, or None."""
    found = (
        FeedToken.objects.filter(
            token=token, purpose=purpose, revoked_at__isnull=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    return found.user if found else None
