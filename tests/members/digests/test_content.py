"""Each community's new content, read once per run and shared by every recipient."""

from datetime import timedelta

import pytest
from django.utils import timezone

from members.digests.content import CommunityContentCache, community_digest_content
from tests import digest_builders as build

pytestmark = pytest.mark.django_db


@pytest.fixture
def window():
    now = timezone.now()
    return now - timedelta(days=7), now


def titles(items):
    return [item.title for item in items]


def test_community_content_has_new_experiences_open_challenges_new_members_and_stories(window):
    since, until = window
    community = build.community()
    old = build.experience(community, title="Old news", when=since - timedelta(days=1))
    new = build.experience(community, title="Bedside handover", learned="Ask the patient.")
    build.challenge(community, title="Delirium at night?")
    build.challenge(community, title="Answered already", answered_at=timezone.now())
    build.member(community, display_name="Nina New", joined_at=until - timedelta(days=1))
    build.applied(new, note="Worked on our ward too.")
    build.applied(old, note="")  # no story to tell

    content = community_digest_content(community, since, until)

    assert titles(content.experiences) == ["Bedside handover"]
    assert content.experiences[0].learned == "Ask the patient."
    assert titles(content.challenges) == ["Delirium at night?"]
    assert [m.name for m in content.new_members] == ["Nina New"]
    assert [(a.post_title, a.note) for a in content.applied] == [
        ("Bedside handover", "Worked on our ward too.")
    ]
    assert content.url.endswith(community.get_absolute_url())


def test_content_of_many_communities_is_read_in_a_fixed_number_of_queries(
    window, django_assert_num_queries
):
    since, until = window
    communities = [build.community(name=f"Community {i}") for i in range(6)]
    for community in communities:
        build.experience(community, tags=["handover"])
        build.challenge(community)
        build.applied(build.experience(community))
        build.member(community, help_with=["sbar"], joined_at=until - timedelta(hours=2))
    cache = CommunityContentCache(since, until)

    with django_assert_num_queries(6):
        content = cache.get_many(c.pk for c in communities)
    with django_assert_num_queries(0):
        cache.get_many(c.pk for c in communities)

    assert cache.fetches == 1
    assert all(len(content[c.pk].experiences) == 2 for c in communities)
    assert all(content[c.pk].new_members[0].can_help_with == ("sbar",) for c in communities)
