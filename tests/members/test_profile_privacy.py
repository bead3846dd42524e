"""Profiles are for people who share a community: nobody walks every member's page by
counting ids."""

import pytest
from django.urls import reverse

from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return MembershipFactory(community=CommunityFactory()).user


def _profile(client, user):
    return client.get(reverse("members:profile", args=[user.pk]))


def test_a_stranger_cannot_open_a_members_profile(client, member):
    client.force_login(UserFactory())

    assert _profile(client, member).status_code == 404


def test_someone_banned_from_the_only_shared_community_cannot_open_it(client, member):
    banned = MembershipFactory(community=member.memberships.get().community, banned=True).user
    client.force_login(banned)

    assert _profile(client, member).status_code == 404


def test_a_fellow_member_opens_the_profile(client, member):
    fellow = MembershipFactory(community=member.memberships.get().community).user
    client.force_login(fellow)

    assert _profile(client, member).status_code == 200


def test_everyone_opens_their_own_profile(client):
    loner = UserFactory()
    client.force_login(loner)

    assert _profile(client, loner).status_code == 200
