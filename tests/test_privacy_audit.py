"""Private and hidden content stays out of every channel: digests, emails, pages,
fragments and counts. Each test would fail if a channel bypassed the one door."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities import services as community_services
from communities.models import Community
from members import notifications
from members.digests import CommunityContentCache, digest_for
from members.models import NotificationSetting, OutboundEmail
from practices import services
from practices.models import Post
from tests.builders import add_member
from tests.factories import UserFactory

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
def experience(community, member):
    return services.post_create(
        community=community, author=member, kind="experience", data=EXPERIENCE
    )


def _digest(user):
    now = timezone.now()
    since = now - timedelta(days=7)
    return digest_for(user, CommunityContentCache(since, now + timedelta(seconds=1)), since)


def test_the_digest_leaves_out_notifications_about_a_comment_hidden_since(
    community, experience, member, facilitator
):
    NotificationSetting.objects.create(user=member, kind="reply", channel="digest")
    commenter = add_member(community).user
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

    assert response.status_code == 400  # a NUL is refused before any lookup


# --- Members who left or were banned ---------------------------------------------------


def test_a_member_who_left_gets_no_email_about_a_reply_written_before(private_community):
    author = add_member(private_community).user
    post = services.post_create(
        community=private_community, author=author, kind="experience", data=EXPERIENCE
    )
    replier = add_member(private_community).user
    services.comment_create(post=post, author=replier, body="Private details of the ward")
    community_services.membership_leave(membership=author.memberships.get())

    notifications.send_notification_emails(now=timezone.now() + timedelta(hours=1))

    reply = author.notifications.get(kind="reply")
    assert reply.email_status == "skipped"
    sent = OutboundEmail.objects.filter(to=author.email).values_list("body_text", flat=True)
    assert not any("Private details" in text for text in sent)


def test_a_banned_member_s_digest_has_nothing_from_the_members_only_community(
    private_community, facilitator
):
    reader = add_member(private_community).user
    writer = add_member(private_community).user
    services.post_create(
        community=private_community, author=writer, kind="experience", data=EXPERIENCE
    )
    community_services.membership_ban(
        membership=reader.memberships.get(), by=facilitator, reason="Spam"
    )

    digest = _digest(reader)

    assert digest.is_empty
    assert "Private circle" not in digest.community_names


# --- Hidden and pending content --------------------------------------------------------


def test_a_hidden_comment_is_neither_found_nor_quoted_by_search(
    client, community, experience, facilitator
):
    commenter = add_member(community).user
    comment = services.comment_create(post=experience, author=commenter, body="Zanzibar rumours")
    services.comment_set_hidden(comment=comment, by=facilitator, hidden=True, reason="Gossip")
    reader = add_member(community).user
    client.force_login(reader)

    by_hidden_word = client.get(reverse("practices:search"), {"q": "zanzibar"})
    by_title = client.get(reverse("practices:search"), {"q": "SBAR card"})

    assert by_hidden_word.context["page"].results == []
    assert by_title.context["page"].results == [experience]
    assert "Zanzibar" not in by_title.content.decode()


def test_a_post_waiting_for_approval_shows_nowhere_to_other_members(client, community, facilitator):
    Community.objects.filter(pk=community.pk).update(premoderation_posts=1)
    community.refresh_from_db()
    newcomer = add_member(community).user
    post = services.post_create(
        community=community,
        author=newcomer,
        kind="experience",
        data=EXPERIENCE,
        tags=["handover"],
    )
    assert post.status == Post.Status.PENDING
    client.force_login(add_member(community).user)

    pages = [
        reverse("practices:feed", args=[community.slug]),
        reverse("practices:search") + "?q=laminated",
        reverse("practices:tag", args=["handover"]),
        reverse("practices:lessons"),
        reverse("practices:similar") + "?title=printed+SBAR+card",
        reverse("members:profile", args=[newcomer.pk]),
    ]

    for url in pages:
        assert EXPERIENCE["title"] not in client.get(url).content.decode(), url
    detail = reverse("practices:detail", args=[community.slug, post.pk])
    assert client.get(detail).status_code == 404


# --- Outsiders ------------------------------------------------------------------------


def test_outsiders_see_no_trace_of_a_members_only_community_s_content(
    client, private_community, facilitator
):
    writer = add_member(private_community, UserFactory(display_name="Wanda Writer")).user
    services.post_create(
        community=private_community,
        author=writer,
        kind="experience",
        data=EXPERIENCE,
        tags=["secret-topic"],
    )
    client.force_login(UserFactory())

    pages = [
        reverse("practices:search") + "?q=laminated",
        reverse("practices:lessons"),
        reverse("practices:tag", args=["secret-topic"]),
        reverse("practices:similar")
        + f"?title=printed+SBAR+card&community={private_community.slug}",
        reverse("members:profile", args=[writer.pk]),
    ]

    for url in pages:
        page = client.get(url).content.decode()
        assert EXPERIENCE["title"] not in page, url
        assert "Private circle" not in page, url
    profile = client.get(reverse("members:profile", args=[writer.pk]))
    assert profile.status_code == 404  # no community in common: no profile at all
