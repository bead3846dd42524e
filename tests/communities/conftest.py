"""Communities set up through the services, for the facilitator pages' tests."""

import pytest

from communities import services
from communities.models import Community, Membership, MembershipEvent
from tests import builders
from tests.factories import UserFactory


def ready_for_launch(community: Community, facilitator) -> Community:
    """Everything the launch checklist asks for, done through the services."""
    return builders.make_ready_for_launch(community, facilitator)


def add_member(community: Community, user=None, *, role: str = "member") -> Membership:
    """An active member who accepted the current rules (joined through an invitation)."""
    user = user or UserFactory()
    facilitator = community.memberships.facilitators().first().user
    invitation = services.invitations_create(
        community=community, by=facilitator, emails=[user.email], role=role
    )[0]
    return services.invitation_accept(invitation=invitation, user=user, accepted_rules=True)


def add_pending_request(community: Community, user=None, answers=None) -> Membership:
    """Someone asked to join (the request is recorded the way the service records it)."""
    user = user or UserFactory()
    membership = Membership.objects.create(
        community=community,
        user=user,
        status=Membership.Status.PENDING,
        answers=answers or [{"question": "Why join?", "answer": "To learn from peers."}],
        requested_at=community.created_at,
    )
    MembershipEvent.objects.create(
        membership=membership, actor=user, action=MembershipEvent.Action.REQUESTED
    )
    return membership


@pytest.fixture
def facilitator(db):
    return UserFactory(display_name="Fay Facilitator")


@pytest.fixture
def planned(facilitator):
    return services.community_create(
        user=facilitator,
        name="Safe handovers",
        challenge="Handovers between shifts lose important details.",
        kind=Community.Kind.PRACTICE,
    )


@pytest.fixture
def launched(planned, facilitator):
    ready_for_launch(planned, facilitator)
    return services.community_launch(community=planned, by=facilitator)


@pytest.fixture
def hidden(facilitator):
    """A launched community that only its members and invitees can see."""
    community = services.community_create(
        user=facilitator,
        name="Quiet room",
        challenge="A place for the hard cases.",
        kind=Community.Kind.PRACTICE,
        visibility=Community.Visibility.HIDDEN,
    )
    ready_for_launch(community, facilitator)
    return services.community_launch(community=community, by=facilitator)


@pytest.fixture
def member(launched):
    """A plain member of the launched community."""
    return add_member(launched).user
