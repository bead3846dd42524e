"""Facilitators see members' display names, not their email addresses."""

import pytest
from django.urls import reverse

from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_member_list_shows_names_and_cannot_be_searched_by_email(client):
    community = CommunityFactory()
    facilitator = MembershipFactory(community=community, facilitator=True).user
    MembershipFactory(
        community=community,
        user=UserFactory(email="zq.private.address@practica.test", display_name="Ada Osei"),
    )
    client.force_login(facilitator)
    url = reverse("communities:manage_members", args=[community.slug])

    listed = client.get(url).content.decode()
    by_email = client.get(url, {"q": "zq.private"}).content.decode()
    by_name = client.get(url, {"q": "Ada"}).content.decode()

    assert "Ada Osei" in listed and "zq.private.address" not in listed
    assert "Ada Osei" not in by_email
    assert "Ada Osei" in by_name
