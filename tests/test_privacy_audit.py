"""Private and hidden content stays out of every channel: digests, emails, pages,
fragments and counts. Each test would fail if a channel bypassed the one door."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import NotificationSetting
from practices import services
from practices.digests import CommunityContentCache, digest_for
from practices.models import Post
from tests.factories import UserFactory
from tests.practices.conftest import add_member, fresh, launch_community

pytestmark = pytest.mark.django_db

EXPERIENCE = {
    "title": "A printed SBAR card at every bed",
    "situation": "Night shift handover with agency nurses.",
    "tried": "A laminated card clipped to each bed.",
    "happened": "Four minutes faster per patient by week three.",
    "outcome": Post.Outcome.WORKED,
    "learned": "A physical prompt beats a form on the computer.",
}


@pytest.fixture
def facilitator(db):
    return UserFactory(display_name="Fay Facilitator")


@pytest.fixture
def community(facilitator):
    return launch_community(facilitator)


@pytest.fixture
def member(community):
    return add_member(community, UserFactory(display_name="Mia Member")).user


@pytest.fixture
def experience(community, member):
    return services.post_create(
        community=fresh(community), author=member, kind="experience", data=EXPERIENCE
    )


def _digest(user):
    now = timezone.now()
    since = now - timedelta(days=7)
    return digest_for(user, CommunityContentCache(since, now + timedelta(seconds=1)), since)


def test_the_digest_leaves_out_notifications_about_a_comment_hidden_since(
    community, experience, member, facilitator
):
    NotificationSetting.objects.create(user=member, kind="reply", channel="digest")
    commenter = add_member(fresh(community)).user
    comment = services.comment_create(post=experience, author=commenter, body="Rude words here")
    services.comment_set_hidden(comment=comment, by=facilitator, hidden=True, reason="Rude")

    digest = _digest(member)

    assert [n.summary for n in digest.notifications] == []


# --- Odd input -----------------------------------------------------------------------


def test_the_facilitators_member_search_survives_a_nul_character(client, community, facilitator):
    client.force_login(facilitator)

    response = client.get(
        reverse("communities:manage_members", args=[community.slug]), {"q": "\x00"}
    )

    assert response.status_code == 200
