"""Fixtures for the notification tests: a launched community, an author and a
commenter in it, and one experience and one challenge by the author."""

import pytest

from practices import services
from tests.builders import launch_community
from tests.factories import UserFactory

from .helpers import CHALLENGE, EXPERIENCE, join


@pytest.fixture
def facilitator(db):
    return UserFactory(display_name="Fay Facilitator")


@pytest.fixture
def community(facilitator):
    return launch_community(facilitator)


@pytest.fixture
def author(community):
    return join(community, UserFactory(display_name="Ada Author")).user


@pytest.fixture
def commenter(community):
    return join(community, UserFactory(display_name="Cyril Commenter")).user


@pytest.fixture
def experience(community, author):
    return services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )


@pytest.fixture
def challenge(community, author):
    return services.post_create(
        community=community, author=author, kind="challenge", data=CHALLENGE
    )
