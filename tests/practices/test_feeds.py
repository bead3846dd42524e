"""RSS and Atom feeds: valid documents, only published visible posts, secret addresses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.services.memberships import membership_leave
from members.feed_tokens import FeedPurpose, feed_token_for, feed_token_regenerate
from practices.models import Post
from tests.factories import CommunityFactory, MembershipFactory, PostFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _rss_items(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for required in ("title", "link", "description"):
        assert channel.findtext(required)
    items = channel.findall("item")
    for item in items:
        assert item.findtext("link").startswith("http")
        assert item.findtext("guid") == item.findtext("link")
        parsedate_to_datetime(item.findtext("pubDate"))
    return items


def _atom_entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.findtext(f"{ATOM}{required}")
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        assert entry.findtext(f"{ATOM}id").startswith("http")
        assert entry.find(f"{ATOM}link").get("href").startswith("http")
        assert "T" in entry.findtext(f"{ATOM}updated")
    return entries


def test_public_feeds_list_published_visible_experiences_in_both_formats(client):
    community = CommunityFactory()
    shown = PostFactory(community=community, title="Bedside checklist")
    PostFactory(community=community, title="Still a draft", draft=True)
    PostFactory(community=community, title="Hidden one", hidden_at=timezone.now())
    PostFactory(community=community, title="A question", challenge=True)
    rss = client.get(
        reverse("practices:community_feed", args=[community.slug, "experiences", "rss"])
    )
    items = _rss_items(rss)
    assert [i.findtext("title") for i in items] == ["Bedside checklist"]
    assert "public" in rss["Cache-Control"]
    assert shown.author.email not in rss.content.decode()
    atom = client.get(
        reverse("practices:community_feed", args=[community.slug, "experiences", "atom"])
    )
    assert [e.findtext(f"{ATOM}title") for e in _atom_entries(atom)] == ["Bedside checklist"]


def test_questions_feed_keeps_open_challenges_only(client):
    community = CommunityFactory()
    PostFactory(community=community, title="Open one", challenge=True)
    PostFactory(community=community, title="Answered", challenge=True, answered_at=timezone.now())
    PostFactory(community=community, title="An experience")
    url = reverse("practices:community_feed", args=[community.slug, "questions", "rss"])
    assert [i.findtext("title") for i in _rss_items(client.get(url))] == ["Open one"]


def test_tag_feed_lists_posts_on_the_topic_and_unknown_topics_are_empty(client):
    community = CommunityFactory()
    PostFactory(community=community, title="On handover", tags=["handover"])
    PostFactory(community=community, title="Elsewhere", tags=["sbar"])
    url = reverse("practices:community_tag_feed", args=[community.slug, "handover", "atom"])
    assert [e.findtext(f"{ATOM}title") for e in _atom_entries(client.get(url))] == ["On handover"]
    unknown = reverse("practices:community_tag_feed", args=[community.slug, "nothing", "rss"])
    assert _rss_items(client.get(unknown)) == []


def test_members_only_communities_have_no_public_feed_and_bad_formats_404(client):
    community = CommunityFactory(members_only=True)
    PostFactory(community=community)
    url = reverse("practices:community_feed", args=[community.slug, "experiences", "rss"])
    assert client.get(url).status_code == 404
    public = CommunityFactory()
    bad = reverse("practices:community_feed", args=[public.slug, "experiences", "json"])
    assert client.get(bad).status_code == 404


def test_member_feed_shows_members_only_posts_and_empties_when_they_leave(client):
    community = CommunityFactory(members_only=True)
    membership = MembershipFactory(community=community)
    PostFactory(community=community, title="Inside story")
    PostFactory(
        community=community,
        title="Hidden from all feeds",
        author=membership.user,
        hidden_at=timezone.now(),
    )
    token = feed_token_for(user=membership.user, purpose=FeedPurpose.POSTS).token
    url = reverse("practices:member_feed", args=[token, community.slug, "experiences", "rss"])
    response = client.get(url)
    assert [i.findtext("title") for i in _rss_items(response)] == ["Inside story"]
    assert "private" in response["Cache-Control"]
    membership_leave(membership=membership)
    assert _rss_items(client.get(url)) == []


def test_member_feed_for_a_banned_member_is_empty(client):
    community = CommunityFactory(members_only=True)
    membership = MembershipFactory(community=community, banned=True)
    PostFactory(community=community, title="Inside story")
    token = feed_token_for(user=membership.user, purpose=FeedPurpose.POSTS).token
    url = reverse("practices:member_feed", args=[token, community.slug, "experiences", "atom"])
    assert _atom_entries(client.get(url)) == []


def test_regenerated_token_revokes_the_old_address(client):
    community = CommunityFactory(members_only=True)
    membership = MembershipFactory(community=community)
    old = feed_token_for(user=membership.user, purpose=FeedPurpose.POSTS).token
    feed_token_regenerate(user=membership.user, purpose=FeedPurpose.POSTS)
    url = reverse("practices:member_feed", args=[old, community.slug, "experiences", "rss"])
    assert client.get(url).status_code == 404
    calendar = feed_token_for(user=membership.user, purpose=FeedPurpose.CALENDAR).token
    wrong_purpose = reverse(
        "practices:member_feed", args=[calendar, community.slug, "experiences", "rss"]
    )
    assert client.get(wrong_purpose).status_code == 404


def test_pages_advertise_feeds_and_private_ones_only_to_their_owner(client):
    public = CommunityFactory()
    client.get(public.get_absolute_url())
    page = client.get(public.get_absolute_url()).content.decode()
    assert 'type="application/rss+xml"' in page and 'type="application/atom+xml"' in page
    questions = client.get(reverse("practices:feed", args=[public.slug]) + "?kind=open")
    assert "/feeds/questions.rss" in questions.content.decode()

    private = CommunityFactory(members_only=True)
    membership = MembershipFactory(community=private)
    other = MembershipFactory(community=private)
    token = feed_token_for(user=membership.user, purpose=FeedPurpose.POSTS).token
    client.force_login(membership.user)
    assert token in client.get(private.get_absolute_url()).content.decode()
    client.force_login(other.user)
    other_page = client.get(private.get_absolute_url()).content.decode()
    assert token not in other_page and "application/atom+xml" in other_page
    client.logout()
    assert "application/rss+xml" not in client.get(private.get_absolute_url()).content.decode()


def test_feed_dates_are_the_publication_dates(client):
    community = CommunityFactory()
    when = timezone.now() - timedelta(days=3)
    PostFactory(community=community, published_at=when)
    url = reverse("practices:community_feed", args=[community.slug, "experiences", "rss"])
    item = _rss_items(client.get(url))[0]
    assert abs(parsedate_to_datetime(item.findtext("pubDate")) - when) < timedelta(seconds=1)
    assert Post.objects.count() == 1
