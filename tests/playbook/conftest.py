import pytest

from practices.playbook import services
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    PostFactory,
    StaffFactory,
    UserFactory,
)


@pytest.fixture
def community(db):
    return CommunityFactory(name="Night shift circle", members_only=True)


@pytest.fixture
def facilitator(community):
    return MembershipFactory(community=community, facilitator=True).user


@pytest.fixture
def core(community):
    return MembershipFactory(community=community, core=True).user


@pytest.fixture
def member(community):
    return MembershipFactory(community=community).user


@pytest.fixture
def outsider(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def experience(community, member):
    return PostFactory(community=community, author=member, title="Bedside handover")


@pytest.fixture
def handbook_page(community, facilitator, experience):
    return services.page_create(
        community=community,
        by=facilitator,
        title="Handover checklist",
        body="# Before\n\nCount the beds.\n\n## Then\n\nRead the notes.",
        evidence=[experience],
        note="First version",
    )
