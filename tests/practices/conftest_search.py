"""Fixtures for the search, lessons, topics and profile tests.

Import explicitly: `from tests.practices.conftest_search import *  # noqa: F403`.
Here `member` is someone who joined both communities below long ago; the facilitator
and the outsider are the shared personas (tests/conftest.py).
"""

import pytest

from communities.models import Community
from tests.builders import ask, join_long_ago, launch_community, share
from tests.factories import UserFactory

__all__ = ["WARDS", "ask", "join", "member", "private_community", "public_community", "share"]

# What the search communities are about (their posts are what the tests look for).
WARDS = {
    "challenge": "Sharing what we tried on the ward.",
    "purpose": "Members compare concrete practice between wards and teams.",
}

# The profile tests import the builders from here under these names.
join = join_long_ago


@pytest.fixture
def member(db):
    return UserFactory(display_name="Mo Member")


@pytest.fixture
def public_community(facilitator, member):
    community = launch_community(facilitator, name="Open wards", **WARDS)
    join_long_ago(community, member)
    return Community.objects.get(pk=community.pk)


@pytest.fixture
def private_community(facilitator, member):
    community = launch_community(facilitator, name="Closed wards", visibility="members", **WARDS)
    join_long_ago(community, member)
    return Community.objects.get(pk=community.pk)
