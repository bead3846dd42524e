"""Personal access tokens for the REST API: created and revoked by their owner.

A token is shown once, when it is created; only its SHA-256 digest is stored, so a
leaked database does not leak working tokens. A token is scoped to reading or to
reading and writing, expires, and records when it was last used. It acts with its
owner's current permissions, looked up on every request, and never with site staff's
privilege: that needs a session authenticated with a second factor.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.auth.base_user import AbstractBaseUser as User

PREFIX = "prt_"
# A GET does at most one write: the last-used time moves at most once a minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_LIVE_TOKENS = 20


class ApiTokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    scope = models.CharField(
        _("scope"), max_length=8, choices=ApiTokenScope.choices, default=ApiTokenScope.READ
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, so the owner can tell their tokens apart on the settings page.
    hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        app_label = "members"
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def can_write(self) -> bool:
        return self.scope == ApiTokenScope.WRITE


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; never stored


def api_token_lifetimes() -> list[int]:
    """The lifetimes in days a member may choose, the longest allowed last."""
    longest = settings.API_TOKEN_MAX_LIFETIME_DAYS
    return sorted({d for d in (7, 30, 90, 365) if d < longest} | {longest})


@transaction.atomic
def api_token_create(*, user: User, name: str, scope: str, lifetime_days: int) -> IssuedToken:
    """Issue a token for `user`; the secret in the result is the only copy."""
    name = name.strip()
    if not name:
        raise ValidationError(gettext("Give the token a name, so you know what uses it."))
    if scope not in ApiTokenScope.values:
        raise ValidationError(gettext("Choose what the token may do."))
    if lifetime_days not in api_token_lifetimes():
        raise ValidationError(gettext("Choose how long the token stays valid."))
    now = timezone.now()
    live = ApiToken.objects.select_for_update().filter(
        user=user, revoked_at__isnull=True, expires_at__gt=now
    )
    if len(live) >= MAX_LIVE_TOKENS:
        raise ValidationError(
            gettext("You have %(n)d valid tokens. Revoke one you no longer use first.")
            % {"n": MAX_LIVE_TOKENS}
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        scope=scope,
        digest=_digest(secret),
        hint=secret[: len(PREFIX) + 6],
        created_at=now,
        expires_at=now + timedelta(days=lifetime_days),
    )
    return IssuedToken(token=token, secret=secret)


def api_token_revoke(*, user: User, pk: int) -> int:
    """Revoke `user`'s token `pk` (someone else's is left alone). Safe to run twice."""
    return ApiToken.objects.filter(user=user, pk=pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def api_token_authenticate(secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token `secret` of an active member, with its user; None otherwise.

    Records the use (at most one UPDATE a minute per token)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            digest=_digest(secret),
            revoked_at__isnull=True,
            expires_at__gt=now,
            user__is_active=True,
        )
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_tokens_of(user: User) -> models.QuerySet[ApiToken]:
    """The member's tokens for their settings page: live ones first, newest first."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")
