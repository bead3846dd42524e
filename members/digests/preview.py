"""What a digest would contain, without claiming or queuing anything: the signed-in
member's /me/digest/ page, and the dry run of `manage.py send_digests`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from ..emails import RenderedEmail
from ..models import User
from .content import CommunityContentCache
from .rendering import render_digest
from .schedule import (
    CADENCE_WINDOWS,
    member_since,
    next_send_at,
    period_for,
    previous_sent,
    wants,
)
from .selection import Digest, digest_for


def preview_batch(
    *, user_ids: list[int], period: str, since: datetime, now: datetime | None = None
) -> Iterator[tuple[User, Digest]]:
    """What `send_batch` would send, without claiming or queuing anything."""
    now = now or timezone.now()
    previous = previous_sent(user_ids, period)
    sinces = {pk: member_since(previous.get(pk), since, now) for pk in user_ids}
    cache = CommunityContentCache(min(sinces.values(), default=since), now)
    for user in User.objects.filter(pk__in=user_ids).order_by("pk").iterator(chunk_size=200):
        if wants(user, period):
            yield user, digest_for(user, cache, sinces[user.pk])


@dataclass
class DigestPreview:
    period: str
    since: datetime
    digest: Digest
    email: RenderedEmail | None
    next_send_at: datetime | None


def preview_for(user: User, now: datetime | None = None, *, framed: bool = False) -> DigestPreview:
    """The next digest `user` would get, with what is there right now: the same code
    path as sending, without a claim or an email. It covers what happened since their
    last digest, even when this period's went out already.

    `framed` renders the HTML for the preview page's frame, whose links open the site.
    """
    now = now or timezone.now()
    next_at = next_send_at(user, now)
    period = period_for(user, next_at or now)
    cadence = period.split(":", 1)[0]
    previous = previous_sent([user.pk], period).get(user.pk)
    since = member_since(previous, now - CADENCE_WINDOWS[cadence], now)
    digest = digest_for(user, CommunityContentCache(since, now), since)
    email = None if digest.is_empty else render_digest(user, digest, period, framed=framed)
    return DigestPreview(period, since, digest, email, next_at)
