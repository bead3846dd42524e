"""Invitations: sent by the team within daily limits, revoked, resent, accepted.

An invitation is an email from our address carrying the sender's words, so the limits
scale with trust: new accounts and communities still in planning send a handful a
day, one address hears at most a few invitations a week from everyone together, an
invitation is resent at most once a day, and every invitation email carries a link
that stops all invitations to its address (`InvitationOptOut`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.links import absolute_url
from members import notifications
from members.emails import email_send

from ..models import (
    INVITATION_LIFETIME,
    Community,
    Invitation,
    InvitationOptOut,
    Membership,
    MembershipEvent,
)
from .lifecycle import check_editable
from .memberships import activate_membership, locked_membership, require_current_charter

if TYPE_CHECKING:
    from members.models import User

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
STOP_SALT = "communities.invitations.stop"


@dataclass
class InvitationBatch:
    """What one send did: the invitations made, and the addresses left out and why."""

    created: list[Invitation] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    enough_this_week: list[str] = field(default_factory=list)


def invitation_daily_limit(user: User, community: Community) -> tuple[int, str]:
    """How many invitations a day `user` may send when inviting to `community`, and
    which rule set it ("site", "new_account" or "planning"): the smallest one wins."""
    limits = [(settings.INVITATIONS_PER_DAY_LIMIT, "site")]
    new_until = user.date_joined + timedelta(days=settings.INVITATIONS_NEW_ACCOUNT_DAYS)
    if timezone.now() < new_until:
        limits.append((settings.INVITATIONS_PER_DAY_NEW_ACCOUNT, "new_account"))
    if not community.is_launched:
        limits.append((settings.INVITATIONS_PER_DAY_PLANNING, "planning"))
    return min(limits, key=lambda item: item[0])


def invitations_left_today(user: User, community: Community | None = None) -> int:
    """How many more invitations `user` may send in the coming day (to `community`)."""
    sent = Invitation.objects.filter(invited_by=user, created_at__gte=timezone.now() - DAY).count()
    limit = (
        invitation_daily_limit(user, community)[0]
        if community is not None
        else settings.INVITATIONS_PER_DAY_LIMIT
    )
    return max(0, limit - sent)


def invitation_limit_error(left: int, limit: int = 0, rule: str = "site") -> ValidationError:
    limit = limit or settings.INVITATIONS_PER_DAY_LIMIT
    values = {"n": limit, "left": left, "days": settings.INVITATIONS_NEW_ACCOUNT_DAYS}
    if rule == "new_account" and left == 0:
        message = _(
            "In its first %(days)d days an account can send %(n)d invitations a day; "
            "you can invite again tomorrow."
        )
    elif rule == "new_account":
        message = _(
            "In its first %(days)d days an account can send %(n)d invitations a day; "
            "you can send %(left)d more today."
        )
    elif rule == "planning" and left == 0:
        message = _(
            "While a community is in planning, you can send %(n)d invitations a day; "
            "you can invite again tomorrow."
        )
    elif rule == "planning":
        message = _(
            "While a community is in planning, you can send %(n)d invitations a day; "
            "you can send %(left)d more today."
        )
    elif left == 0:
        message = _("You can send %(n)d invitations a day; you can invite again tomorrow.")
    else:
        message = _("You can send %(n)d invitations a day; you can send %(left)d more today.")
    return ValidationError(message % values, code="invitation_limit")


def invitation_stop_token(email: str) -> str:
    """The signed part of an address's "no more invitations" link; it does not expire."""
    return signing.dumps(email.strip().lower(), salt=STOP_SALT, compress=True)


def invitation_stop_email(token: str) -> str | None:
    """The address a stop link was made for, or None for a link we did not sign."""
    try:
        return signing.loads(token, salt=STOP_SALT)
    except signing.BadSignature:
        return None


@transaction.atomic
def invitation_opt_out(*, email: str) -> InvitationOptOut:
    """Stop all invitations to `email`, and withdraw the open ones. Safe to run twice."""
    email = email.strip().lower()
    opt_out, _created = InvitationOptOut.objects.get_or_create(email=email)
    Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    return opt_out


def invitation_opt_in(*, email: str) -> None:
    """`email` takes invitations again (its owner signed up with it or accepted one)."""
    InvitationOptOut.objects.filter(email__iexact=email.strip()).delete()


def _send_invitation(invitation: Invitation) -> None:
    url = absolute_url(invitation.get_absolute_url())
    stop_url = absolute_url(
        reverse("communities:invitations_stop", args=[invitation_stop_token(invitation.email)])
    )
    email_send(
        "invitation",
        to=invitation.email,
        language=invitation.community.language,
        context={
            "invitation": invitation,
            "community": invitation.community,
            "url": url,
            "stop_url": stop_url,
        },
        # The link is the invitation's token: the outbox keeps no copy once sent.
        secret=True,
    )


def invitations_create(
    *,
    community: Community,
    by: User,
    emails: Iterable[str],
    role: str = "member",
    message: str = "",
) -> list[Invitation]:
    """Invite one or many addresses (invitations_send); returns the invitations made."""
    return invitations_send(
        community=community, by=by, emails=emails, role=role, message=message
    ).created


@transaction.atomic
def invitations_send(
    *,
    community: Community,
    by: User,
    emails: Iterable[str],
    role: str = "member",
    message: str = "",
) -> InvitationBatch:
    """Invite one or many email addresses; each gets a single-use link valid 14 days.

    Left out, and named in the result: addresses of active or banned members, addresses
    that asked for no invitations, and addresses that had
    INVITATIONS_PER_RECIPIENT_PER_WEEK invitations this week. An earlier open invitation
    to the same address is replaced by the new one. A batch that goes over the sender's
    daily limit (invitation_daily_limit) is refused as a whole.
    """
    check_editable(community)
    if community.is_planning and role == Membership.Role.MEMBER:
        raise ValidationError(
            _("While the community is in planning, invite core members or facilitators.")
        )
    from allauth.account.models import EmailAddress

    limit, rule = invitation_daily_limit(by, community)
    left = invitations_left_today(by, community)
    batch = InvitationBatch()
    created = batch.created
    week_ago = timezone.now() - WEEK
    for raw in dict.fromkeys(e.strip().lower() for e in emails if e.strip()):
        user_ids = EmailAddress.objects.filter(email__iexact=raw).values("user_id")
        if Membership.objects.filter(
            community=community,
            user_id__in=user_ids,
            status__in=[Membership.Status.ACTIVE, Membership.Status.BANNED],
        ).exists():
            batch.members.append(raw)
            continue
        if InvitationOptOut.objects.filter(email__iexact=raw).exists():
            batch.opted_out.append(raw)
            continue
        recent = Invitation.objects.filter(email__iexact=raw, created_at__gte=week_ago).count()
        if recent >= settings.INVITATIONS_PER_RECIPIENT_PER_WEEK:
            batch.enough_this_week.append(raw)
            continue
        if len(created) >= left:
            # Over the daily limit: the whole batch is refused and nothing is kept.
            raise invitation_limit_error(left, limit, rule)
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
    return batch


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    """Stop an unaccepted invitation's link from working. Safe to run twice."""
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User) -> Invitation:
    """Send a fresh link for an unaccepted invitation (the old link stops working), at
    most once a day per address and community."""
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."))
    latest = (
        Invitation.objects.filter(community=invitation.community, email__iexact=invitation.email)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if latest is not None and latest > timezone.now() - DAY:
        raise ValidationError(
            _("%(email)s was invited less than a day ago. You can send it again tomorrow.")
            % {"email": invitation.email},
            code="resent_today",
        )
    batch = invitations_send(
        community=invitation.community,
        by=by,
        emails=[invitation.email],
        role=invitation.role,
        message=invitation.message,
    )
    if batch.opted_out:
        raise ValidationError(
            _("%(email)s asked not to receive invitations; no invitation was sent.")
            % {"email": invitation.email}
        )
    if batch.enough_this_week:
        raise ValidationError(
            _("%(email)s has had enough invitations this week; try again in a few days.")
            % {"email": invitation.email}
        )
    if not batch.created:
        raise ValidationError(
            _("%(email)s is already a member or is banned; no invitation was sent.")
            % {"email": invitation.email}
        )
    return batch.created[0]


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
    invitation_opt_in(email=invitation.email)
    return membership
