"""Onboarding: the steps a new member takes, and the facilitators' choice of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Community,
    Membership,
)
from .lifecycle import check_editable


@dataclass(frozen=True)
class OnboardingStep:
    key: str
    label: str
    done: bool


def onboarding_steps(membership: Membership) -> list[OnboardingStep]:
    """The steps this community asks of a new member, and which are done."""
    community = membership.community
    steps = [
        OnboardingStep(
            "rules",
            _("Accept the community's rules"),
            membership.accepted_charter_number >= community.required_charter_number > 0,
        )
    ]
    if community.onboarding_profile:
        steps.append(
            OnboardingStep(
                "profile",
                _("Say what you can help with and what you want to learn"),
                membership.profile_completed_at is not None,
            )
        )
    if community.onboarding_intro:
        steps.append(
            OnboardingStep("intro", _("Introduce yourself"), membership.introduced_at is not None)
        )
    if community.onboarding_pinned:
        steps.append(
            OnboardingStep(
                "pinned", _("Read the starter posts"), membership.pinned_read_at is not None
            )
        )
    return steps


def complete_onboarding_if_done(membership: Membership) -> None:
    if membership.onboarding_completed_at is None and all(
        step.done for step in onboarding_steps(membership)
    ):
        membership.onboarding_completed_at = timezone.now()
        membership.save(update_fields=["onboarding_completed_at"])


@transaction.atomic
def onboarding_set_profile(
    *, membership: Membership, can_help_with: Sequence[str], wants_to_learn: Sequence[str]
) -> Membership:
    """Store what the member can help with and wants to learn in this community."""
    membership.can_help_with.set(list(can_help_with))
    membership.wants_to_learn.set(list(wants_to_learn))
    done = bool(can_help_with or wants_to_learn)
    membership.profile_completed_at = (
        (membership.profile_completed_at or timezone.now()) if done else None
    )
    membership.save(update_fields=["profile_completed_at"])
    complete_onboarding_if_done(membership)
    return membership


@transaction.atomic
def onboarding_introduce(*, membership: Membership, intro: str) -> Membership:
    membership.intro = intro.strip()
    membership.introduced_at = timezone.now() if membership.intro else None
    membership.save(update_fields=["intro", "introduced_at"])
    complete_onboarding_if_done(membership)
    return membership


@transaction.atomic
def onboarding_mark_pinned_read(*, membership: Membership) -> Membership:
    if membership.pinned_read_at is None:
        membership.pinned_read_at = timezone.now()
        membership.save(update_fields=["pinned_read_at"])
        complete_onboarding_if_done(membership)
    return membership


@transaction.atomic
def onboarding_configure(
    *,
    community: Community,
    welcome_message: str,
    profile: bool,
    intro: bool,
    pinned: bool,
    reminder_first_days: int | None = None,
    reminder_second_days: int | None = None,
) -> Community:
    """Choose the welcome, the steps for new members and, optionally, after how many
    days the two onboarding reminders go out (the second after the first)."""
    check_editable(community)
    first = reminder_first_days or community.reminder_first_days
    second = reminder_second_days or community.reminder_second_days
    if second <= first:
        raise ValidationError(_("The second reminder must come after the first."))
    community.welcome_message = welcome_message
    community.onboarding_profile = profile
    community.onboarding_intro = intro
    community.onboarding_pinned = pinned
    community.reminder_first_days = first
    community.reminder_second_days = second
    community.onboarding_configured = True
    community.save(
        update_fields=[
            "welcome_message",
            "onboarding_profile",
            "onboarding_intro",
            "onboarding_pinned",
            "reminder_first_days",
            "reminder_second_days",
            "onboarding_configured",
        ]
    )
    return community
