"""Open invitations die with their inviter's role."""

import pytest
from django.core.exceptions import ValidationError

from communities import services
from communities.models import Invitation, Membership
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(invitation_only=True)


@pytest.fixture
def lead(community):
    return MembershipFactory(community=community, facilitator=True)


@pytest.fixture
def inviter(community, lead):
    return MembershipFactory(community=community, facilitator=True)


def _invite(community, inviter):
    (invitation,) = services.invitations_create(
        community=community, by=inviter.user, emails=["friend@practica.test"]
    )
    return invitation


@pytest.mark.parametrize("ending", ["removed", "banned", "demoted", "left"])
def test_losing_the_role_revokes_the_invitations_sent(community, lead, inviter, ending):
    invitation = _invite(community, inviter)
    if ending == "removed":
        services.membership_remove(membership=inviter, by=lead.user)
    elif ending == "banned":
        services.membership_ban(membership=inviter, by=lead.user, reason="Spam")
    elif ending == "left":
        services.membership_leave(membership=inviter)
    else:
        services.membership_set_role(membership=inviter, by=lead.user, role="member")

    assert not Invitation.objects.open().filter(pk=invitation.pk).exists()


def test_acceptance_checks_the_inviter_again(community, inviter):
    invitation = _invite(community, inviter)
    # The role went away without passing through the services (e.g. in the admin).
    Membership.objects.filter(pk=inviter.pk).update(role=Membership.Role.MEMBER)
    friend = UserFactory(email="friend@practica.test")

    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, user=friend, accepted_rules=True)
    assert not Membership.objects.filter(community=community, user=friend, status="active")


def test_other_facilitators_invitations_stay_open(community, lead, inviter):
    invitation = _invite(community, lead)

    services.membership_remove(membership=inviter, by=lead.user)

    assert Invitation.objects.open().filter(pk=invitation.pk).exists()
