"""Digest content: read once per community, filtered per recipient at send time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Community, Membership
from members.digests import CommunityContentCache, community_digest_content, digest_for
from members.models import Notification, NotificationKind
from practices.models import Post
from tests import digest_builders as build

pytestmark = pytest.mark.django_db


@pytest.fixture
def window():
    now = timezone.now()
    return now - timedelta(days=7), now


def digest_now(user, since):
    return digest_for(user, CommunityContentCache(since, timezone.now()), since)


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


def test_you_could_help_comes_first_with_challenges_matching_what_the_member_can_help_with(
    window,
):
    since, _until = window
    handovers = build.community("Safe handovers")
    teaching = build.community("Peer instruction")
    reader = build.member(handovers, help_with=["delirium", "sbar"])
    build.member(teaching, reader)  # no help tags in this community
    build.challenge(handovers, title="Delirium handover", tags=["delirium"])
    build.challenge(handovers, title="Rota swaps", tags=["rotas"])
    build.challenge(teaching, title="Delirium lesson plan", tags=["delirium"])
    build.experience(handovers, title="SBAR on nights", tags=["sbar"])

    digest = digest_now(reader, since)

    [help_item] = digest.you_could_help
    assert help_item.post.title == "Delirium handover"
    assert help_item.community_name == "Safe handovers"
    assert help_item.matched == ("delirium",)
    sections = {s.community.name: s for s in digest.sections}
    # Not repeated below; challenges elsewhere only match that community's tags.
    assert titles(sections["Safe handovers"].open_challenges) == ["Rota swaps"]
    assert titles(sections["Peer instruction"].open_challenges) == ["Delirium lesson plan"]
    assert titles(sections["Safe handovers"].experiences) == ["SBAR on nights"]


def test_a_member_removed_from_a_members_only_community_after_scheduling_gets_nothing_from_it(
    window,
):
    since, until = window
    private = build.community("Private circle", members_only=True)
    public = build.community("Open ward")
    reader = build.member(private)
    build.member(public, reader)
    build.experience(private, title="Private lesson")
    build.experience(public, title="Public lesson")
    # The run read every community's content before this member was removed.
    cache = CommunityContentCache(since, until)
    cache.get_many([private.pk, public.pk])

    build.remove(private, reader)
    digest = digest_for(reader, cache, since)

    assert [s.community.name for s in digest.sections] == ["Open ward"]
    assert "Private lesson" not in str(digest)


def test_a_member_who_left_a_public_community_gets_nothing_from_it(window):
    since, _until = window
    community = build.community()
    reader = build.member(community)
    build.experience(community)
    Membership.objects.filter(user=reader).update(status=Membership.Status.LEFT)

    assert digest_now(reader, since).is_empty


def test_a_community_left_out_of_the_digest_is_skipped(window):
    since, _until = window
    kept = build.community("Kept")
    muted = build.community("Muted")
    reader = build.member(kept)
    build.member(muted, reader)
    Membership.objects.filter(user=reader, community=muted).update(digest_opt_out=True)
    build.experience(kept)
    build.experience(muted)

    assert [s.community.name for s in digest_now(reader, since).sections] == ["Kept"]


def test_an_archived_community_sends_nothing(window):
    since, _until = window
    community = build.community()
    reader = build.member(community)
    build.experience(community)
    Community.objects.filter(pk=community.pk).update(stage=Community.Stage.ARCHIVED)

    assert digest_now(reader, since).is_empty


def test_hidden_posts_own_posts_and_posts_before_since_are_left_out(window):
    since, _until = window
    community = build.community()
    reader = build.member(community)
    build.experience(community, title="Hidden", hidden_at=timezone.now())
    build.experience(community, title="Mine", author=reader)
    build.experience(community, title="Before", when=since - timedelta(minutes=1))
    build.experience(community, title="Draft", status=Post.Status.DRAFT)
    build.experience(community, title="Fresh")

    [section] = digest_now(reader, since).sections

    assert titles(section.experiences) == ["Fresh"]


def test_notifications_chosen_for_the_digest_are_included_when_still_visible(window):
    since, _until = window
    community = build.community()
    private = build.community("Private circle", members_only=True)
    reader = build.member(community)
    build.member(private, reader)
    visible_post = build.experience(community)
    private_post = build.experience(private)
    build.remove(private, reader)
    for post, summary in ((visible_post, "Omar applied"), (private_post, "Secret")):
        Notification.objects.create(
            recipient=reader,
            kind=NotificationKind.APPLIED,
            post=post,
            summary=summary,
            url=post.get_absolute_url(),
            email_status=Notification.EmailStatus.DIGEST,
        )
    Notification.objects.create(
        recipient=reader,
        kind=NotificationKind.HELPFUL,
        summary="Already emailed",
        email_status=Notification.EmailStatus.DIGEST,
        emailed_at=timezone.now(),
    )
    Notification.objects.create(
        recipient=reader,
        kind=NotificationKind.REPLY,
        summary="Sent right away",
        email_status=Notification.EmailStatus.SENT,
    )

    digest = digest_now(reader, since)

    assert [n.summary for n in digest.notifications] == ["Omar applied"]
    assert digest.notifications[0].url.startswith("http")


def test_a_digest_with_nothing_new_is_empty(window):
    since, _until = window
    community = build.community()
    reader = build.member(community)
    build.experience(community, when=since - timedelta(days=1))

    digest = digest_now(reader, since)

    assert digest.is_empty
    assert digest.item_count == 0


def test_a_long_section_shows_five_items_and_counts_the_rest(window):
    since, _until = window
    community = build.community()
    reader = build.member(community)
    author = build.member(community)
    for i in range(8):
        build.experience(community, author=author, title=f"Lesson {i}")

    [section] = digest_now(reader, since).sections

    assert len(section.experiences) == 5
    assert section.more == 3
    assert section.item_count == 8
