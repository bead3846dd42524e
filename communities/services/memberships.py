"""Joining, requesting, approving, leaving, removing, banning and roles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.links import absolute_reverse
from members import notifications
from members.emails import email_send

from ..models import (
    CharterVersion,
    Community,
    Invitation,
    Membership,
    MembershipEvent,
)
from ..webhooks import events as webhook_events
from .charter import record_charter_acceptance
from .history import record_event, recount_members
from .onboarding import complete_onboarding_if_done

if TYPE_CHECKING:
    from members.models import User


def require_current_charter(community: Community, accepted_rules: bool) -> CharterVersion:
    version = community.current_charter
    if version is None:
        raise ValidationError(_("This community has no published rules yet."))
    if not accepted_rules:
        raise ValidationError(_("Please read and accept the community's rules to join."))
    return version


def locked_membership(community: Community, user: User) -> Membership | None:
    return Membership.objects.select_for_update().filter(community=community, user=user).first()


def check_can_apply(community: Community, existing: Membership | None) -> None:
    if existing and existing.status == Membership.Status.BANNED:
        raise ValidationError(_("You cannot join this community."))
    if existing and existing.status == Membership.Status.ACTIVE:
        raise ValidationError(_("You are already a member of this community."))
    if not community.is_launched:
        raise ValidationError(_("This community is not open for new members."))


def activate_membership(
    membership: Membership, *, role: str, version: CharterVersion, actor: User, action: str
) -> Membership:
    now = timezone.now()
    membership.status = Membership.Status.ACTIVE
    membership.role = role
    membership.joined_at = now
    membership.ended_at = None
    membership.onboarding_completed_at = None
    membership.reminders_sent = 0
    membership.last_reminder_at = None
    membership.save()
    record_event(membership, actor, action)
    record_charter_acceptance(membership, version, actor=membership.user)
    complete_onboarding_if_done(membership)
    recount_members(membership.community)
    webhook_events.member_joined(membership)
    return membership


@transaction.atomic
def membership_join(*, community: Community, user: User, accepted_rules: bool) -> Membership:
    """Join an open community after accepting its current rules."""
    existing = locked_membership(community, user)
    check_can_apply(community, existing)
    if community.join_policy != Community.JoinPolicy.OPEN:
        raise ValidationError(_("This community does not accept members directly."))
    version = require_current_charter(community, accepted_rules)
    membership = existing or Membership(community=community, user=user)
    return activate_membership(
        membership,
        role=Membership.Role.MEMBER,
        version=version,
        actor=user,
        action=MembershipEvent.Action.JOINED,
    )


@transaction.atomic
def membership_request(
    *, community: Community, user: User, answers: Sequence[str], accepted_rules: bool
) -> Membership:
    """Ask to join a community that accepts members on request."""
    existing = locked_membership(community, user)
    check_can_apply(community, existing)
    if community.join_policy != Community.JoinPolicy.REQUEST:
        raise ValidationError(_("This community does not take requests."))
    if existing and existing.status == Membership.Status.PENDING:
        raise ValidationError(_("Your request is already waiting for a decision."))
    require_current_charter(community, accepted_rules)
    questions = list(community.questions.values_list("text", flat=True))
    answers = list(answers)
    if len(answers) != len(questions) or any(not a.strip() for a in answers):
        raise ValidationError(_("Please answer every question."))
    membership = existing or Membership(community=community, user=user)
    membership.status = Membership.Status.PENDING
    membership.role = Membership.Role.MEMBER
    membership.answers = [
        {"question": q, "answer": a.strip()} for q, a in zip(questions, answers, strict=True)
    ]
    membership.requested_at = timezone.now()
    membership.decision_message = ""
    membership.save()
    record_event(membership, user, MembershipEvent.Action.REQUESTED)
    _notify_facilitators_of_request(membership)
    return membership


def _notify_facilitators_of_request(membership: Membership) -> None:
    community = membership.community
    url = absolute_reverse("communities:manage_requests", community.slug)
    for facilitator in (
        Membership.objects.facilitators().filter(community=community).select_related("user")
    ):
        email_send(
            "membership_requested",
            to=facilitator.user.email,
            language=facilitator.user.language,
            context={
                "community": community,
                "applicant": membership.user,
                "user": facilitator.user,
                "url": url,
            },
        )


@transaction.atomic
def membership_approve(*, membership: Membership, by: User, message: str = "") -> Membership:
    """Approve a pending request. The applicant accepted the rules when applying."""
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    version = membership.community.current_charter
    membership.decision_message = message
    activate_membership(
        membership,
        role=Membership.Role.MEMBER,
        version=version,
        actor=by,
        action=MembershipEvent.Action.APPROVED,
    )
    notifications.notify_membership_decision(membership, approved=True, by=by)
    return membership


@transaction.atomic
def membership_decline(*, membership: Membership, by: User, message: str = "") -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    membership.status = Membership.Status.DECLINED
    membership.decision_message = message
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "decision_message", "ended_at"])
    record_event(membership, by, MembershipEvent.Action.DECLINED, message)
    notifications.notify_membership_decision(membership, approved=False, by=by)
    return membership


def _other_facilitators(membership: Membership) -> int:
    return (
        Membership.objects.facilitators()
        .filter(community=membership.community)
        .exclude(pk=membership.pk)
        .count()
    )


def revoke_invitations_sent_by(membership: Membership) -> int:
    """Open invitations die with their inviter's role: whoever stops facilitating a
    community (leaving, removed, banned or demoted) no longer has invitations out in it."""
    return (
        Invitation.objects.open()
        .filter(community_id=membership.community_id, invited_by_id=membership.user_id)
        .update(revoked_at=timezone.now())
    )


def _end(
    membership: Membership, *, status: str, actor: User, action: str, detail: str = ""
) -> Membership:
    if membership.is_facilitator and not _other_facilitators(membership):
        raise ValidationError(
            _("A community needs a facilitator: hand the role to someone else first.")
        )
    membership.status = status
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "ended_at"])
    revoke_invitations_sent_by(membership)
    record_event(membership, actor, action, detail)
    recount_members(membership.community)
    return membership


@transaction.atomic
def membership_leave(*, membership: Membership) -> Membership:
    """Leave a community. The last facilitator must hand over first."""
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError(_("You are not a member of this community."))
    return _end(
        membership,
        status=Membership.Status.LEFT,
        actor=membership.user,
        action=MembershipEvent.Action.LEFT,
    )


@transaction.atomic
def membership_remove(*, membership: Membership, by: User, reason: str = "") -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError(_("This person is not an active member."))
    return _end(
        membership,
        status=Membership.Status.REMOVED,
        actor=by,
        action=MembershipEvent.Action.REMOVED,
        detail=reason,
    )


@transaction.atomic
def membership_ban(*, membership: Membership, by: User, reason: str = "") -> Membership:
    """Ban someone: they lose access and cannot join or request again."""
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status == Membership.Status.BANNED:
        return membership
    if membership.user_id == getattr(by, "pk", None):
        raise ValidationError(_("You cannot ban yourself."))
    return _end(
        membership,
        status=Membership.Status.BANNED,
        actor=by,
        action=MembershipEvent.Action.BANNED,
        detail=reason,
    )


@transaction.atomic
def membership_unban(*, membership: Membership, by: User) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Membership.Status.BANNED:
        return membership
    membership.status = Membership.Status.REMOVED
    membership.save(update_fields=["status"])
    record_event(membership, by, MembershipEvent.Action.UNBANNED)
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, by: User, role: str) -> Membership:
    """Change a member's role; the last facilitator cannot step down."""
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError(_("Only active members have a role."))
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    if membership.role == role:
        return membership
    if membership.is_facilitator and not _other_facilitators(membership):
        raise ValidationError(
            _("A community needs a facilitator: make someone else facilitator first.")
        )
    old = membership.get_role_display()
    membership.role = role
    membership.save(update_fields=["role"])
    if role != Membership.Role.FACILITATOR:
        revoke_invitations_sent_by(membership)
    record_event(
        membership,
        by,
        MembershipEvent.Action.ROLE_CHANGED,
        f"{old} → {membership.get_role_display()}",
    )
    return membership
