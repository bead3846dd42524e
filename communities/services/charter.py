"""The charter: rules drafted, reordered, published as versions, and accepted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from members import notifications

from ..models import (
    CharterAcceptance,
    CharterVersion,
    Community,
    Membership,
    MembershipEvent,
    Rule,
)
from .history import record_event
from .lifecycle import check_editable
from .onboarding import complete_onboarding_if_done

if TYPE_CHECKING:
    from members.models import User


@transaction.atomic
def rule_add(*, community: Community, title: str, explanation: str = "") -> Rule:
    check_editable(community)
    last = community.rules.aggregate(m=Max("position"))["m"]
    return Rule.objects.create(
        community=community,
        position=0 if last is None else last + 1,
        title=title,
        explanation=explanation,
    )


@transaction.atomic
def rule_update(*, rule: Rule, title: str, explanation: str) -> Rule:
    check_editable(rule.community)
    rule.title, rule.explanation = title, explanation
    rule.save(update_fields=["title", "explanation"])
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule) -> None:
    check_editable(rule.community)
    community = rule.community
    rule.delete()
    rules_reorder(community=community, rule_ids=list(community.rules.values_list("pk", flat=True)))


@transaction.atomic
def rules_reorder(*, community: Community, rule_ids: Sequence[int]) -> None:
    """Put the community's rules in the given order; unknown ids are ignored."""
    check_editable(community)
    rules = {r.pk: r for r in community.rules.all()}
    ordered = [rules[pk] for pk in rule_ids if pk in rules]
    ordered += [r for pk, r in rules.items() if pk not in set(rule_ids)]
    for position, rule in enumerate(ordered):
        rule.position = position
    Rule.objects.bulk_update(ordered, ["position"])


@transaction.atomic
def rule_move(*, rule: Rule, direction: int) -> None:
    """Move a rule one place up (-1) or down (+1)."""
    ids = list(rule.community.rules.values_list("pk", flat=True))
    i = ids.index(rule.pk)
    j = max(0, min(len(ids) - 1, i + direction))
    ids[i], ids[j] = ids[j], ids[i]
    rules_reorder(community=rule.community, rule_ids=ids)


@transaction.atomic
def charter_publish(
    *, community: Community, by: User, is_material: bool, summary: str = ""
) -> CharterVersion:
    """Publish the current rules, purpose and expectations as a new charter version.

    A material change (and always the first version) must be accepted again by every
    member before they post or comment; the publisher accepts it at once.
    """
    check_editable(community)
    community = Community.objects.select_for_update().get(pk=community.pk)
    rules = list(community.rules.values("title", "explanation"))
    if not rules:
        raise ValidationError(_("Add at least one rule before publishing the charter."))
    number = community.current_charter_number + 1
    is_material = is_material or number == 1
    version = CharterVersion.objects.create(
        community=community,
        number=number,
        rules=rules,
        purpose=community.purpose,
        expectations=community.expectations,
        is_material=is_material,
        summary=summary,
        published_by=by,
    )
    community.current_charter_number = number
    if is_material:
        community.required_charter_number = number
    community.save(update_fields=["current_charter_number", "required_charter_number"])
    publisher = Membership.objects.filter(community=community, user=by).first()
    if publisher and publisher.is_active:
        record_charter_acceptance(publisher, version, actor=by)
    if is_material and number > 1:
        notifications.notify_charter_version(version)
    return version


def record_charter_acceptance(
    membership: Membership, version: CharterVersion, *, actor: User
) -> None:
    CharterAcceptance.objects.get_or_create(membership=membership, version=version)
    membership.accepted_charter_number = version.number
    membership.accepted_charter_at = timezone.now()
    membership.save(update_fields=["accepted_charter_number", "accepted_charter_at"])
    record_event(membership, actor, MembershipEvent.Action.RULES_ACCEPTED, f"v{version.number}")


@transaction.atomic
def charter_accept(*, membership: Membership) -> Membership:
    """The member accepts the community's current charter version."""
    version = membership.community.current_charter
    if version is None:
        raise ValidationError(_("This community has no published rules yet."))
    record_charter_acceptance(membership, version, actor=membership.user)
    complete_onboarding_if_done(membership)
    return membership
