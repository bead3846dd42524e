"""A community's life: founding, details, launch, archive and restore."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import (
    Community,
    Membership,
    MembershipEvent,
    ModerationAction,
    Rule,
    StageChange,
)
from .checklist import missing_for_launch
from .history import record_event, recount_members

if TYPE_CHECKING:
    from members.models import User

# Lazy: a new community's rules are written in the founder's language at creation.
DEFAULT_RULES = [
    (
        gettext_lazy("What is shared here stays here"),
        gettext_lazy(
            "Experiences often involve colleagues, clients or patients. Do not pass on "
            "details outside the community without the author's consent."
        ),
    ),
    (
        gettext_lazy("Respectful, constructive exchange"),
        gettext_lazy(
            "Disagree with ideas, not people. Ask questions before you judge, and assume "
            "good intent."
        ),
    ),
    (
        gettext_lazy("Failures are welcome, blame is not"),
        gettext_lazy(
            "What did not work teaches as much as what did. Share failures openly; discuss "
            "what happened, never who is to blame."
        ),
    ),
]


DEFAULT_EXPECTATIONS = gettext_lazy(
    "Share concrete experience: what you tried, what happened and what you learned. "
    "Answer others' challenges when you can, and say so when you applied someone's idea."
)


SLUG_SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def _unique_slug(name: str) -> str:
    """The name's slug with a random suffix (`night-audit-k3x9qa`), whether or not the
    bare slug is taken: a counter (`x-2`) would tell that a hidden or planning
    community `x` exists."""
    base = slugify(name)[:70] or "community"
    while True:
        suffix = "".join(secrets.choice(SLUG_SUFFIX_ALPHABET) for _ in range(6))
        slug = f"{base}-{suffix}"
        if not Community.objects.filter(slug=slug).exists():
            return slug


@transaction.atomic
def community_create(
    *, user: User, name: str, challenge: str, kind: str, tags: Sequence[str] = (), **fields
) -> Community:
    """Start a community in planning; its creator becomes its first facilitator.

    The charter draft starts with good default rules the facilitator can edit.
    """
    community = Community.objects.create(
        name=name,
        slug=fields.pop("slug", None) or _unique_slug(name),
        challenge=challenge,
        kind=kind,
        created_by=user,
        expectations=fields.pop("expectations", str(DEFAULT_EXPECTATIONS)),
        **fields,
    )
    if tags:
        community.tags.set(list(tags))
    Rule.objects.bulk_create(
        Rule(community=community, position=i, title=str(title), explanation=str(text))
        for i, (title, text) in enumerate(DEFAULT_RULES)
    )
    membership = Membership.objects.create(
        community=community,
        user=user,
        role=Membership.Role.FACILITATOR,
        status=Membership.Status.ACTIVE,
        joined_at=timezone.now(),
        onboarding_completed_at=timezone.now(),
    )
    record_event(membership, user, MembershipEvent.Action.JOINED, _("started the community"))
    recount_members(community)
    return community


@transaction.atomic
def community_update(*, community: Community, **fields) -> Community:
    """Change a community's settings; `tags` (a list of topic names) replaces its topics.

    Only the given fields are written, so counters and the stage changed meanwhile by
    someone else are not overwritten. An archived community is read-only.
    """
    check_editable(community)
    tags = fields.pop("tags", None)
    for name, value in fields.items():
        setattr(community, name, value)
    community.full_clean()
    if fields:
        community.save(update_fields=list(fields))
    if tags is not None:
        community.tags.set(list(tags))
    return community


def _change_stage(community: Community, *, by: User, to: str, note: str = "") -> None:
    StageChange.objects.create(
        community=community, from_stage=community.stage, to_stage=to, changed_by=by, note=note
    )
    community.stage = to


@transaction.atomic
def community_launch(*, community: Community, by: User) -> Community:
    """Open a planned community. Refused while required checklist items are missing."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    if not community.is_planning:
        raise ValidationError(_("Only a community in planning can be launched."))
    missing = missing_for_launch(community)
    if missing:
        raise ValidationError(
            _("Still missing: %(items)s.") % {"items": ", ".join(str(i.label) for i in missing)}
        )
    _change_stage(community, by=by, to=Community.Stage.LAUNCHED)
    community.launched_at = community.last_activity_at = timezone.now()
    community.save(update_fields=["stage", "launched_at", "last_activity_at"])
    return community


@transaction.atomic
def community_archive(*, community: Community, by: User, note: str = "") -> Community:
    """Make a community read-only, with a closing note shown on top.

    Recorded in the stage history and in the moderation log. Safe to run twice.
    """
    community = Community.objects.select_for_update().get(pk=community.pk)
    if community.is_archived:
        return community
    _change_stage(community, by=by, to=Community.Stage.ARCHIVED, note=note)
    community.archived_at = timezone.now()
    community.closing_note = note
    community.save(update_fields=["stage", "archived_at", "closing_note"])
    ModerationAction.objects.create(
        community=community, actor=by, action=ModerationAction.Action.ARCHIVED, reason=note
    )
    return community


@transaction.atomic
def community_restore(*, community: Community, by: User, note: str = "") -> Community:
    """Staff bring an archived community back to launched.

    Recorded in the stage history and in the moderation log. Safe to run twice.
    """
    community = Community.objects.select_for_update().get(pk=community.pk)
    if not community.is_archived:
        return community
    _change_stage(community, by=by, to=Community.Stage.LAUNCHED, note=note)
    community.archived_at = None
    community.save(update_fields=["stage", "archived_at"])
    ModerationAction.objects.create(
        community=community, actor=by, action=ModerationAction.Action.RESTORED, reason=note
    )
    return community


def check_editable(community: Community) -> None:
    if community.is_archived:
        raise ValidationError(_("An archived community is read-only."))


def touch_activity(community: Community) -> None:
    """Record that something happened in the community (for the directory's ordering)."""
    Community.objects.filter(pk=community.pk).update(last_activity_at=timezone.now())
