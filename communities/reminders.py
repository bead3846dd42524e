"""Onboarding reminders and the first-post nudge: found in the database, sent once.

Nothing is scheduled per member. An hourly job asks the database what is due now
(each community sets its own delays) and claims each email with a conditional
UPDATE on the membership, so two runs, or two workers, send it once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import (
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
)
from django.utils import timezone

from config.links import absolute_reverse
from members.emails import email_send

from .models import Community, Membership
from .services import onboarding_steps

if TYPE_CHECKING:
    from datetime import datetime

FIRST_POST_NUDGE_AFTER = timedelta(days=14)
# A reminder more overdue than this is dropped rather than sent late (for instance to
# everyone who joined before reminders existed).
LATE_LIMIT = timedelta(days=30)
# The second reminder never follows the first by less than this.
MIN_GAP = timedelta(days=1)


@dataclass
class ReminderRun:
    first: int = 0
    second: int = 0
    nudges: int = 0


def _due_at(days_field: str) -> ExpressionWrapper:
    """joined_at + the community's delay in days, computed by PostgreSQL."""
    delay = ExpressionWrapper(F(days_field) * timedelta(days=1), output_field=DurationField())
    return ExpressionWrapper(F("joined_at") + delay, output_field=DateTimeField())


def _active_in_launched_communities() -> QuerySet[Membership]:
    return Membership.objects.active().filter(
        community__in=Community.objects.active_for_email(), user__is_active=True
    )


def due_reminders(number: int, *, now: datetime | None) -> list[int]:
    """Ids of memberships whose reminder `number` (1 or 2) is due at `now`."""
    days = "community__reminder_first_days" if number == 1 else "community__reminder_second_days"
    due = (
        _active_in_launched_communities()
        .filter(onboarding_completed_at__isnull=True, reminders_sent=number - 1)
        .alias(due_at=_due_at(days))
        .filter(due_at__lte=now, due_at__gt=now - LATE_LIMIT)
    )
    if number == 2:
        due = due.filter(last_reminder_at__lte=now - MIN_GAP)
    return list(due.order_by("pk").values_list("pk", flat=True))


def due_nudges(*, now: datetime | None) -> list[int]:
    """Ids of memberships that finished onboarding but have not shared anything in the
    community FIRST_POST_NUDGE_AFTER after joining, and were not nudged yet."""
    from practices.models import Post

    posted = Post.objects.filter(
        community_id=OuterRef("community_id"),
        author_id=OuterRef("user_id"),
        status=Post.Status.PUBLISHED,
    )
    due = _active_in_launched_communities().filter(
        onboarding_completed_at__isnull=False,
        first_post_nudge_at__isnull=True,
        joined_at__lte=now - FIRST_POST_NUDGE_AFTER,
        joined_at__gt=now - FIRST_POST_NUDGE_AFTER - LATE_LIMIT,
    )
    return list(due.filter(~Exists(posted)).order_by("pk").values_list("pk", flat=True))


def _link(name: str, *args) -> str:
    return absolute_reverse(name, *args)


def _queue(membership: Membership, template: str, context: dict, dedupe_key: str) -> None:
    user = membership.user
    email_send(
        template,
        to=user.email,
        language=user.language,
        context={"user": user, "community": membership.community, **context},
        dedupe_key=dedupe_key,
    )


@transaction.atomic
def reminder_send(*, membership_id: int, number: int, now: datetime | None = None) -> bool:
    """Send onboarding reminder `number` to one member, once. Safe to run twice.

    The conditional UPDATE on `reminders_sent` is the claim: only the run that moves
    it from number - 1 to number sends, and only while the member is still active
    with steps open. Returns whether an email was queued.
    """
    now = now or timezone.now()
    claimed = Membership.objects.filter(
        pk=membership_id,
        status=Membership.Status.ACTIVE,
        onboarding_completed_at__isnull=True,
        reminders_sent=number - 1,
    ).update(reminders_sent=number, last_reminder_at=now)
    if not claimed:
        return False
    membership = Membership.objects.select_related("community", "user").get(pk=membership_id)
    missing = [step for step in onboarding_steps(membership) if not step.done]
    if not missing:
        return False
    community = membership.community
    _queue(
        membership,
        "onboarding_reminder",
        {
            "number": number,
            "steps": missing,
            "url": _link("communities:detail", community.slug),
        },
        dedupe_key=(
            f"onboarding-reminder:{membership.pk}:{membership.joined_at.timestamp():.0f}:{number}"
        ),
    )
    return True


@transaction.atomic
def nudge_send(*, membership_id: int, now: datetime | None = None) -> bool:
    """Send the one gentle "share your first experience" email. Safe to run twice:
    `first_post_nudge_at` is claimed with a conditional UPDATE."""
    now = now or timezone.now()
    claimed = Membership.objects.filter(
        pk=membership_id, status=Membership.Status.ACTIVE, first_post_nudge_at__isnull=True
    ).update(first_post_nudge_at=now)
    if not claimed:
        return False
    membership = Membership.objects.select_related("community", "user").get(pk=membership_id)
    community = membership.community
    _queue(
        membership,
        "first_post_nudge",
        {
            "url": _link("practices:create", community.slug, "experience"),
            "community_url": _link("communities:detail", community.slug),
        },
        dedupe_key=f"first-post-nudge:{membership.pk}",
    )
    return True


def reminders_send(
    *, now: datetime | None = None, progress: Callable[[str], None] | None = None
) -> ReminderRun:
    """Send every onboarding reminder and first-post nudge that is due. Safe to run twice.

    Second reminders are looked up before first ones, so one run never sends both to
    the same person.
    """
    now = now or timezone.now()
    report = progress or (lambda line: None)
    run = ReminderRun()
    for number in (2, 1):
        due = due_reminders(number, now=now)
        report(f"Reminder {number}: {len(due)} due")
        for membership_id in due:
            if reminder_send(membership_id=membership_id, number=number, now=now):
                if number == 1:
                    run.first += 1
                else:
                    run.second += 1
                report(f"  reminder {number} sent for membership {membership_id}")
    due = due_nudges(now=now)
    report(f"First-post nudge: {len(due)} due")
    for membership_id in due:
        if nudge_send(membership_id=membership_id, now=now):
            run.nudges += 1
            report(f"  nudge sent for membership {membership_id}")
    return run
