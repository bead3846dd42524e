"""Communities set up through the services, for the facilitator pages' tests.

The facilitator, `member` and the outsider are the shared personas (tests/conftest.py);
here the shared `community` is `launched`, so `member` is a member of it.
"""

import pytest

from communities import services
from communities.models import Community
from tests import builders


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
    builders.make_ready_for_launch(planned, facilitator)
    return services.community_launch(community=planned, by=facilitator)


@pytest.fixture
def community(launched):
    return launched


@pytest.fixture
def hidden(facilitator):
    """A launched community that only its members and invitees can see."""
    return builders.launch_community(
        facilitator,
        name="Quiet room",
        challenge="A place for the hard cases.",
        visibility=Community.Visibility.HIDDEN,
    )
