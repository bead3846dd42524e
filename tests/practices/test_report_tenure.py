"""Auto-hide cannot be driven by sock puppets: only reports from members past the
community's new-member period count towards the threshold."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Community, Membership
from practices import services as practices_services
from practices.moderation import report_create
from tests.builders import add_member, launch_community
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPERIENCE = {
    "title": "A card at every bed",
    "situation": "Night shift.",
    "tried": "A card.",
    "happened": "Faster.",
    "outcome": "worked",
    "learned": "Cards work.",
}


@pytest.fixture
def community():
    community = launch_community(UserFactory())
    Community.objects.filter(pk=community.pk).update(report_threshold=2, new_member_days=7)
    return Community.objects.get(pk=community.pk)


@pytest.fixture
def post(community):
    author = add_member(community).user
    Membership.objects.filter(user=author).update(joined_at=timezone.now() - timedelta(days=60))
    return practices_services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )


def _reporters(community, *, days: int):
    people = [add_member(community).user for _ in range(2)]
    Membership.objects.filter(user__in=people).update(
        joined_at=timezone.now() - timedelta(days=days)
    )
    return people


def test_reports_from_brand_new_accounts_do_not_hide_a_post(community, post):
    for reporter in _reporters(community, days=0):
        report_create(reporter=reporter, post=post, rule_id="other", note="Spam")

    post.refresh_from_db()
    assert post.hidden_at is None


def test_reports_from_established_members_do(community, post):
    for reporter in _reporters(community, days=30):
        report_create(reporter=reporter, post=post, rule_id="other", note="Spam")

    post.refresh_from_db()
    assert post.hidden_at is not None
