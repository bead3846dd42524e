"""Invitations: sent by the team within daily limits, revoked, resent, accepted."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.links import absolute_url
from members import notifications
from members.emails import email_send

from ..models import (
    INVITATION_LIFETIME,
    Community,
    Invitation,
    Membership,
    MembershipEvent,
)
from .lifecycle import check_editable
from .memberships import activate_membership, locked_membership, require_current_charter

if TYPE_CHECKING:
    from members.models import User

DAY = timedelta(days=1)


def invitations_left_today(user: User) -> int:
    """How many more invitations `user` may send in the coming day."""
    sent = Invitation.objects.filter(invited_by=user, created_at__gte=timezone.now() - DAY).count()
    return max(0, settings.INVITATIONS_PER_DAY_LIMIT - sent)


def invitation_limit_error(left: int) -> ValidationError:
    limit = settings.INVITATIONS_PER_DAY_LIMIT
    if left == 0:
        message = _("You can send %(n)d invitations a day; you can invite again tomorrow.")
    else:
        message = _("You can send %(n)d invitations a day; you can send %(left)d more today.")
    return ValidationError(message % {"n": limit, "left": left})


def _send_invitation(invitation: Invitation) -> None:
    url = absolute_url(invitation.get_absolute_url())
    email_send(
        "invitation",
        to=invitation.email,
        language=invitation.community.language,
        context={"invitation": invitation, "community": invitation.community, "url": url},
        # The link is the invitation's token: the outbox keeps no copy once sent.
        secret=True,
    )


@transaction.atomic
def invitations_create(
    *,
    community: Community,
    by: User,
    emails: Iterable[str],
    role: str = "member",
    message: str = "",
) -> list[Invitation]:
    """Invite one or many email addresses; each gets a single-use link valid 14 days.

    Addresses of active or banned members are skipped; an earlier open invitation to
    the same address is replaced by the new one. A batch that goes over the sender's
    daily limit (settings.INVITATIONS_PER_DAY_LIMIT) is refused as a whole.
    """
    check_editable(community)
    if community.is_planning and role == Membership.Role.MEMBER:
        raise ValidationError(
            _("While the community is in planning, invite core members or facilitators.")
        )
    from allauth.account.models import EmailAddress

    left = invitations_left_today(by)
    created = []
    for raw in dict.fromkeys(e.strip().lower() for e in emails if e.strip()):
        user_ids = EmailAddress.objects.filter(email__iexact=raw).values("user_id")
        if Membership.objects.filter(
            community=community,
            user_id__in=user_ids,
            status__in=[Membership.Status.ACTIVE, Membership.Status.BANNED],
        ).exists():
            continue
        if len(created) >= left:
            # Over the daily limit: the whole batch is refused and nothing is kept.
            raise invitation_limit_error(left)
        Invitation.objects.filter(
            community=community,
            email__iexact=raw,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        now = timezone.now()
        invitation = Invitation.objects.create(
            community=community,
            email=raw,
            role=role,
            invited_by=by,
            message=message,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        # A member who owns the address hears through their notifications instead.
        if not notifications.notify_invitation(invitation):
            _send_invitation(invitation)
        created.append(invitation)
    return created


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    """Stop an unaccepted invitation's link from working. Safe to run twice."""
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User) -> Invitation:
    """Send a fresh link for an unaccepted invitation (the old link stops working)."""
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."))
    created = invitations_create(
        community=invitation.community,
        by=by,
        emails=[invitation.email],
        role=invitation.role,
        message=invitation.message,
    )
    if not created:
        raise ValidationError(
            _("%(email)s is already a member or is banned; no invitation was sent.")
            % {"email": invitation.email}
        )
    return created[0]


def invitation_check(*, invitation: Invitation, user: User) -> None:
    """Raise ValidationError saying why `user` cannot redeem `invitation`, if they cannot."""
    from allauth.account.models import EmailAddress

    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation was withdrawn by the facilitators."))
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired. Ask the facilitators for a new one."))
    if invitation.community.is_archived:
        raise ValidationError(_("This community has been archived."))
    if (
        invitation.invited_by_id is not None
        and not Membership.objects.facilitators()
        .filter(community_id=invitation.community_id, user_id=invitation.invited_by_id)
        .exists()
    ):
        # The inviter's role went away: so did what they offered.
        raise ValidationError(_("This invitation is no longer valid."))
    if not EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists():
        raise ValidationError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.masked_email}
        )
    membership = Membership.objects.filter(community=invitation.community, user=user).first()
    if membership and membership.status == Membership.Status.BANNED:
        raise ValidationError(_("You cannot join this community."))


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User, accepted_rules: bool) -> Membership:
    """Redeem an invitation: bound to its email, single use, and the rules still apply."""
    invitation = (
        Invitation.objects.select_for_update().select_related("community").get(pk=invitation.pk)
    )
    invitation_check(invitation=invitation, user=user)
    community = invitation.community
    version = require_current_charter(community, accepted_rules)
    existing = locked_membership(community, user)
    if existing and existing.is_active:
        # Already in: an invitation can still raise the role.
        if invitation.role != Membership.Role.MEMBER and existing.role == Membership.Role.MEMBER:
            existing.role = invitation.role
            existing.save(update_fields=["role"])
        membership = existing
    else:
        membership = activate_membership(
            existing or Membership(community=community, user=user),
            role=invitation.role,
            version=version,
            actor=user,
            action=MembershipEvent.Action.INVITATION_ACCEPTED,
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership
