"""Each member's choices: a channel per kind of notification, the digest's cadence and
which of their communities it covers."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from communities.models import Membership

from ..models import DEFAULT_CHANNELS, Channel, NotificationKind, NotificationSetting, User


def channels_for(user_ids: Sequence[int], kind: str) -> dict[int, str]:
    """Each member's channel for `kind`: their own choice, else the default."""
    chosen = dict(
        NotificationSetting.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", "channel"
        )
    )
    return {pk: chosen.get(pk, DEFAULT_CHANNELS[kind]) for pk in user_ids}


def channels_of(user: User) -> dict[str, str]:
    """One member's channel for every kind."""
    chosen = dict(NotificationSetting.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: chosen.get(kind, DEFAULT_CHANNELS[kind]) for kind in NotificationKind.values}


@transaction.atomic
def preferences_save(
    *,
    user: User,
    channels: dict[str, str],
    digest_cadence: str,
    digest_included: dict[int, bool],
) -> None:
    """Store a member's channel per kind, their digest cadence, and which of their
    communities the digest covers (`digest_included`: membership id → included).

    Unknown kinds and channels are ignored; only the member's own active memberships
    change. Safe to run twice."""
    rows = [
        NotificationSetting(user=user, kind=kind, channel=channel)
        for kind, channel in channels.items()
        if kind in NotificationKind.values and channel in Channel.values
    ]
    NotificationSetting.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["channel"]
    )
    if digest_cadence != user.digest_cadence:
        user.digest_cadence = digest_cadence
        user.save(update_fields=["digest_cadence"])
    mine = Membership.objects.active().filter(user=user)
    excluded = [pk for pk, included in digest_included.items() if not included]
    included = [pk for pk, included in digest_included.items() if included]
    if excluded:
        mine.filter(pk__in=excluded, digest_opt_out=False).update(digest_opt_out=True)
    if included:
        mine.filter(pk__in=included, digest_opt_out=True).update(digest_opt_out=False)
