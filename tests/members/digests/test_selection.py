"""One member's digest: chosen from the shared content with their permissions at send time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import Community, Membership
from members.digests.content import CommunityContentCache
from members.digests.selection import digest_for
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


def test_the_digest_shows_what_is_coming_next_in_the_members_communities(window):
    from datetime import datetime

    from communities.meetings.services.schedule import meeting_schedule
    from members.digests.rendering import render_digest

    since, _until = window
    community = build.community()
    hidden = build.community("Hidden elsewhere", visibility=Community.Visibility.HIDDEN)
    reader = build.member(community)
    build.experience(community, title="Bedside handover")
    next_week = (timezone.now() + timedelta(days=7)).date()
    for where, title in ((community, "Monthly case clinic"), (hidden, "Hidden planning")):
        facilitator = where.memberships.facilitators().first().user
        meeting_schedule(
            community=where,
            by=facilitator,
            data={"title": title, "duration_minutes": 60, "audience": "members"},
            starts_local=datetime.combine(next_week, datetime.min.time()).replace(hour=18),
            time_zone="Europe/Berlin",
            invite=False,
        )

    digest = digest_now(reader, since)
    email = render_digest(reader, digest, "weekly:2026-W49")

    assert [m.title for m in digest.upcoming_meetings] == ["Monthly case clinic"]
    assert "Monthly case clinic" in email.html and "Monthly case clinic" in email.text
    assert "Hidden planning" not in email.html + email.text


def test_upcoming_meetings_alone_send_no_digest(window):
    from datetime import datetime

    from communities.meetings.services.schedule import meeting_schedule

    since, _until = window
    community = build.community()
    reader = build.member(community)
    facilitator = community.memberships.facilitators().first().user
    meeting_schedule(
        community=community,
        by=facilitator,
        data={"title": "Monthly case clinic", "duration_minutes": 60, "audience": "members"},
        starts_local=datetime.now().replace(hour=18) + timedelta(days=3),
        time_zone="Europe/Berlin",
        invite=False,
    )

    digest = digest_now(reader, since)

    assert digest.is_empty and digest.upcoming_meetings == []
