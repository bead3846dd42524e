"""The one door for reading communities: every page, list and job scopes through here."""

from __future__ import annotations

import operator
from enum import Enum
from functools import reduce
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from config.privilege import is_privileged

if TYPE_CHECKING:
    from members.models import User


def _verified_emails(user: User) -> models.QuerySet:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).values("email")


def _stages() -> type[models.TextChoices]:
    from .models import Community

    return Community.Stage


def _open_stages() -> tuple[str, str]:
    """Stages whose content can be read: launched, and archived (read-only)."""
    return (_stages().LAUNCHED, _stages().ARCHIVED)


def _visibilities() -> type[models.TextChoices]:
    from .models import Community

    return Community.Visibility


def _listed_visibilities() -> tuple[str, str]:
    return (_visibilities().PUBLIC, _visibilities().MEMBERS)


def _active_membership(user: User) -> models.QuerySet:
    """The subquery "`user` is an active member of the outer community", written once."""
    from .models import Membership

    return Membership.objects.filter(
        community=OuterRef("pk"), user=user, status=Membership.Status.ACTIVE
    )


def _team_membership(user: User) -> models.QuerySet:
    """The subquery "`user` is a facilitator or core member of the outer community"."""
    from .models import Membership

    return _active_membership(user).filter(role__in=Membership.TEAM_ROLES)


class Standing(Enum):
    """Where a viewer stands in one community, as far as reading it goes."""

    OUTSIDER = "outsider"  # no active membership (signed out, pending, left, banned)
    MEMBER = "member"  # an active member
    TEAM = "team"  # an active facilitator or core member


def reads_content_as(standing: Standing, stage: str, visibility: str) -> bool:
    """The reading rule, written once: may someone of this standing read the content
    (posts, comments, members) of a community at this stage and visibility?

    Public content of launched and archived communities is for everyone; active members
    read launched and archived communities of any visibility; the team also reads while
    the community is being planned. (Staff read everything: `is_privileged`.) The
    queryset `readable_by` is derived from this function, so the two cannot disagree.
    """
    is_open = stage in _open_stages()
    if is_open and visibility == _visibilities().PUBLIC:
        return True
    if standing is Standing.OUTSIDER:
        return False
    return is_open or standing is Standing.TEAM


def _readable_where(standing: Standing) -> Q | None:
    """`reads_content_as` for one standing as a filter on stage and visibility, or None
    when that standing reads nothing: the table of every stage and visibility, grouped by
    the stages that read the same visibilities."""
    everything = tuple(_visibilities().values)
    by_stage: dict[tuple[str, ...], list[str]] = {}
    for stage in _stages().values:
        readable = tuple(v for v in everything if reads_content_as(standing, stage, v))
        if readable:
            by_stage.setdefault(readable, []).append(stage)
    if not by_stage:
        return None
    conditions = []
    for readable, stages in by_stage.items():
        condition = Q() if len(stages) == len(_stages().values) else Q(stage__in=stages)
        if readable != everything:
            condition &= Q(visibility__in=readable)
        conditions.append(condition)
    return _any(conditions)


def _any(conditions: list[Q]) -> Q:
    """Conditions joined by OR; none at all matches nothing."""
    return reduce(operator.or_, conditions) if conditions else Q(pk__in=[])


def _member_or_team(user: User) -> Q:
    """Communities `user` reads as an active member or on the team: the rule's table
    for those standings, each with its subquery on the outer community."""
    conditions = []
    for standing, membership in (
        (Standing.MEMBER, _active_membership(user)),
        (Standing.TEAM, _team_membership(user)),
    ):
        readable = _readable_where(standing)
        if readable is not None:
            conditions.append(readable & Q(Exists(membership)))
    return _any(conditions)


def _readable_by_standing(user: User) -> Q:
    """Communities `user` reads: what everyone reads, and what their standing adds."""
    everyone = _readable_where(Standing.OUTSIDER)
    conditions = [everyone] if everyone is not None else []
    if user.is_authenticated:
        conditions.append(_member_or_team(user))
    return _any(conditions)


class CommunityQuerySet(models.QuerySet):
    def listed(self) -> CommunityQuerySet:
        """Communities shown in the directory: launched and not hidden."""
        return self.filter(stage=_stages().LAUNCHED, visibility__in=_listed_visibilities())

    def visible_to(self, user: User) -> CommunityQuerySet:
        """Communities whose home page `user` may open (name, challenge, purpose, rules).

        Members-only communities show this much to everyone; hidden ones only to their
        members and to people holding an open invitation; communities in planning only
        to their facilitators and core members.
        """
        if is_privileged(user):
            return self.all()
        public = Q(stage__in=_open_stages(), visibility__in=_listed_visibilities())
        if not user.is_authenticated:
            return self.filter(public)
        from .models import Invitation

        invited = Invitation.objects.filter(community=OuterRef("pk")).open().for_user(user)
        return self.filter(
            public | _member_or_team(user) | Q(Exists(invited), stage=_stages().LAUNCHED)
        )

    def readable_by(self, user: User) -> CommunityQuerySet:
        """Communities whose content (posts, members, comments) `user` may read."""
        if is_privileged(user):
            return self.all()
        return self.filter(_readable_by_standing(user))

    def active_for_email(self) -> CommunityQuerySet:
        """Communities that may send digests, reminders and nudges: launched ones only.

        Archived communities are read-only and quiet; communities in planning have no
        members to remind yet. Every job that emails on a community's behalf starts here.
        """
        return self.filter(stage=_stages().LAUNCHED)

    def member_of(self, user: User) -> CommunityQuerySet:
        """Communities where `user` has an active membership (any stage)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Exists(_active_membership(user)))

    def facilitated_by(self, user: User) -> CommunityQuerySet:
        if not user.is_authenticated:
            return self.none()
        from .models import Membership

        return self.filter(
            Exists(_active_membership(user).filter(role=Membership.Role.FACILITATOR))
        )


def _status() -> type[models.TextChoices]:
    from .models import Membership

    return Membership.Status


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        return self.filter(status=_status().ACTIVE)

    def pending(self) -> MembershipQuerySet:
        return self.filter(status=_status().PENDING)

    def facilitators(self) -> MembershipQuerySet:
        return self.active().filter(role=self.model.Role.FACILITATOR)

    def team(self) -> MembershipQuerySet:
        return self.active().filter(role__in=self.model.TEAM_ROLES)

    def of_member(self, user: User) -> MembershipQuerySet:
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

    def for_user(self, user: User) -> InvitationQuerySet:
        """Invitations addressed to one of `user`'s verified email addresses."""
        from django.db.models.functions import Lower

        return self.annotate(email_lower=Lower("email")).filter(
            email_lower__in=_verified_emails(user).annotate(e=Lower("email")).values("e")
        )


def avatars_visible_to(user: User) -> models.QuerySet:
    """Active accounts whose avatar `user` may see: those whose profile they may open,
    and the active members of communities whose pages `user` may open (where posts,
    comments, member lists, meetings and the facilitators show them)."""
    from django.contrib.auth import get_user_model

    from .models import Community, Membership

    people = get_user_model().objects.filter(is_active=True)
    if is_privileged(user):
        return people
    shown = Membership.objects.active().filter(
        user=OuterRef("pk"), community__in=Community.objects.visible_to(user).values("pk")
    )
    return people.filter(Q(pk__in=profiles_visible_to(user).values("pk")) | Q(Exists(shown)))


def profiles_visible_to(user: User) -> models.QuerySet:
    """Active accounts whose profile `user` may open: their own, and people who share an
    active membership in some community with them (staff with a second factor:
    everyone). Nobody walks the whole member list by counting ids."""
    from django.contrib.auth import get_user_model

    from .models import Membership

    people = get_user_model().objects.filter(is_active=True)
    if not user.is_authenticated:
        return people.none()
    if is_privileged(user):
        return people
    shared = Membership.objects.active().filter(
        user=OuterRef("pk"),
        community__in=Membership.objects.active().filter(user=user).values("community"),
    )
    return people.filter(Q(pk=user.pk) | Q(Exists(shared)))
