"""Unsubscribing from the digest in one click, without signing in.

Every digest carries a signed link (and RFC 2369/8058 headers) naming the member and
what to stop: every digest, or one community. The token is the only authorisation,
so it is signed with its own salt and checked for shape before anything changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.urls import reverse

from communities.models import Community, Membership
from config.links import absolute_url

from ..models import User

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "digest-unsubscribe"


def unsubscribe_token(user_id: int, scope: str | int = "all") -> str:
    """A signed token naming a member and what to stop: "all" or a community id."""
    return signing.dumps({"u": user_id, "s": scope}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str | int] | None:
    """(user id, scope) from a token, or None when it was not made by us."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, scope = data.get("u"), data.get("s")
    if not isinstance(user_id, int) or not (scope == "all" or isinstance(scope, int)):
        return None
    return user_id, scope


def unsubscribe_url(user_id: int, scope: str | int = "all") -> str:
    return absolute_url(
        reverse("members:digest_unsubscribe", args=[unsubscribe_token(user_id, scope)])
    )


def unsubscribe_headers(user_id: int) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail clients show an unsubscribe button that
    POSTs to the link without the member signing in."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@dataclass(frozen=True)
class Unsubscription:
    user: User
    community: Community | None  # None: every digest

    @property
    def done(self) -> bool:
        if self.community is None:
            return self.user.digest_cadence == "off"
        return Membership.objects.filter(
            user=self.user, community=self.community, digest_opt_out=True
        ).exists()


def unsubscription_from_token(token: str) -> Unsubscription | None:
    """What a token would stop, or None for a token we did not sign or whose member or
    community is gone."""
    parsed = read_unsubscribe_token(token)
    if parsed is None:
        return None
    user_id, scope = parsed
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    if scope == "all":
        return Unsubscription(user, None)
    community = Community.objects.filter(pk=scope).first()
    return Unsubscription(user, community) if community else None


@transaction.atomic
def digest_unsubscribe(*, unsubscription: Unsubscription) -> None:
    """Turn the member's digest off, or leave one community out of it. Safe to repeat."""
    if unsubscription.community is None:
        User.objects.filter(pk=unsubscription.user.pk).update(digest_cadence="off")
        unsubscription.user.digest_cadence = "off"
    else:
        Membership.objects.filter(
            user=unsubscription.user, community=unsubscription.community
        ).update(digest_opt_out=True)
    log.info(
        "Member %s unsubscribed from %s",
        unsubscription.user.pk,
        unsubscription.community.pk if unsubscription.community else "all digests",
    )
