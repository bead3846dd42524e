"""The one door for reading communities: every page, list and job scopes through here."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

OPEN_STAGES = ("launched", "archived")
LISTED_VISIBILITIES = ("public", "members")


def _verified_emails(user) -> models.QuerySet:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).values("email")


class CommunityQuerySet(models.QuerySet):
    def listed(self) -> CommunityQuerySet:
        """Communities shown in the directory: launched and not hidden."""
        return self.filter(stage="launched", visibility__in=LISTED_VISIBILITIES)

    def visible_to(self, user) -> CommunityQuerySet:
        """Communities whose home page `user` may open (name, challenge, purpose, rules).

        Members-only communities show this much to everyone; hidden ones only to their
        members and to people holding an open invitation; communities in planning only
        to their facilitators and core members.
        """
        if user.is_authenticated and user.is_staff:
            return self.all()
        public = Q(stage__in=OPEN_STAGES, visibility__in=LISTED_VISIBILITIES)
        if not user.is_authenticated:
            return self.filter(public)
        from .models import Invitation, Membership

        active = Membership.objects.filter(
            community=OuterRef("pk"), user=user, status=Membership.Status.ACTIVE
        )
        team = active.filter(role__in=[Membership.Role.FACILITATOR, Membership.Role.CORE])
        invited = Invitation.objects.filter(community=OuterRef("pk")).open().for_user(user)
        return self.filter(
            public
            | Q(Exists(team))
            | Q(Exists(active), stage__in=OPEN_STAGES)
            | Q(Exists(invited), stage="launched")
        )

    def readable_by(self, user) -> CommunityQuerySet:
        """Communities whose content (posts, members, comments) `user` may read."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        public = Q(stage__in=OPEN_STAGES, visibility="public")
        if not user.is_authenticated:
            return self.filter(public)
        from .models import Membership

        active = Membership.objects.filter(
            community=OuterRef("pk"), user=user, status=Membership.Status.ACTIVE
        )
        team = active.filter(role__in=[Membership.Role.FACILITATOR, Membership.Role.CORE])
        return self.filter(public | Q(Exists(team)) | Q(Exists(active), stage__in=OPEN_STAGES))

    def active_for_email(self) -> CommunityQuerySet:
        """Communities that may send digests, reminders and nudges: launched ones only.

        Archived communities are read-only and quiet; communities in planning have no
        members to remind yet. Every job that emails on a community's behalf starts here.
        """
        return self.filter(stage="launched")

    def member_of(self, user) -> CommunityQuerySet:
        """Communities where `user` has an active membership (any stage)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__status="active")

    def facilitated_by(self, user) -> CommunityQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            memberships__user=user,
            memberships__status="active",
            memberships__role="facilitator",
        )


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        return self.filter(status="active")

    def pending(self) -> MembershipQuerySet:
        return self.filter(status="pending")

    def facilitators(self) -> MembershipQuerySet:
        return self.filter(status="active", role="facilitator")

    def team(self) -> MembershipQuerySet:
        return self.filter(status="active", role__in=["facilitator", "core"])

    def of_member(self, user) -> MembershipQuerySet:
        """`user`'s active memberships in communities they may open, community loaded."""
        if not user.is_authenticated:
            return self.none()
        from .models import Community

        return (
            self.active()
            .filter(user=user, community__in=Community.objects.visible_to(user))
            .select_related("community")
            .order_by("-community__last_activity_at", "community__name")
        )


class InvitationQuerySet(models.QuerySet):
    def open(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def for_user(self, user) -> InvitationQuerySet:
        """Invitations addressed to one of `user`'s verified email addresses."""
        from django.db.models.functions import Lower

        return self.annotate(email_lower=Lower("email")).filter(
            email_lower__in=_verified_emails(user).annotate(e=Lower("email")).values("e")
        )
