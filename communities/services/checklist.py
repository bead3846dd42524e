"""The launch checklist: what a community needs before it opens (a read, not a write)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from practices.models import Post

from ..models import (
    Community,
    Invitation,
    Membership,
)


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    required: bool
    hint: str
    url_name: str


def launch_checklist(community: Community) -> list[ChecklistItem]:
    """The fundamentals a community needs before it opens ("the start is critical")."""
    charter = community.current_charter
    team_invited = (
        Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
        .exclude(role=Membership.Role.MEMBER)
        .count()
        > 1
        or Invitation.objects.filter(
            community=community,
            role__in=[Membership.Role.FACILITATOR, Membership.Role.CORE],
            revoked_at__isnull=True,
        ).exists()
    )
    items = [
        ChecklistItem(
            "challenge",
            _("Central challenge written"),
            bool(community.challenge.strip()),
            True,
            _("The concern members share, in a sentence or two."),
            "communities:manage",
        ),
        ChecklistItem(
            "purpose",
            _("Purpose written"),
            len(community.purpose.strip()) >= 20,
            True,
            _("Why the community exists and what members get out of it."),
            "communities:manage",
        ),
        ChecklistItem(
            "rules",
            _("At least three rules published in the charter"),
            bool(charter and len(charter.rules) >= 3),
            True,
            _("Edit the rules, then publish the charter."),
            "communities:manage_charter",
        ),
        ChecklistItem(
            "welcome",
            _("Welcome message written"),
            bool(community.welcome_message.strip()),
            True,
            _("What a new member reads first."),
            "communities:manage_onboarding",
        ),
        ChecklistItem(
            "onboarding",
            _("Onboarding steps chosen"),
            community.onboarding_configured,
            True,
            _("Decide what new members do in their first days."),
            "communities:manage_onboarding",
        ),
        ChecklistItem(
            "team",
            _("At least one more facilitator or core member invited"),
            team_invited,
            True,
            _("Nobody should carry a community alone."),
            "communities:manage_invitations",
        ),
    ]
    items.append(_seed_post_item(community))
    return items


def _seed_post_item(community: Community) -> ChecklistItem:
    """Newcomers learn by example: at least one published experience before opening."""
    return ChecklistItem(
        "seed_post",
        _("At least one seed experience post"),
        Post.objects.seed_experiences(community).exists(),
        True,
        _("Newcomers learn by example: share one experience before opening."),
        "practices:feed",
    )


def missing_for_launch(community: Community) -> list[ChecklistItem]:
    return [item for item in launch_checklist(community) if item.required and not item.done]
