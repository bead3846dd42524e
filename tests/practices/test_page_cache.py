"""Signed-out visitors get community pages from the cache, and never a stale one: every
write to what a page shows gives it a new key (config/page_cache.py)."""

import re

import pytest
from django.contrib import messages
from django.test import Client
from django.urls import reverse

from communities import services as community_services
from practices import services
from tests import builders


@pytest.fixture
def post(community, member):
    return builders.share(community, member, "Shift notes that stay")


def _pages(community, post) -> list[str]:
    return [
        reverse("communities:detail", args=[community.slug]),
        reverse("practices:feed", args=[community.slug]),
        reverse("practices:community_tag", args=[community.slug, "rota"]),
        reverse("practices:detail", args=[community.slug, post.pk]),
    ]


def test_a_second_visit_is_served_without_a_query(
    client, community, post, django_assert_num_queries
):
    for url in _pages(community, post):
        first = client.get(url)
        assert first.status_code == 200
        with django_assert_num_queries(0):
            again = client.get(url)
        assert again.status_code == 200
        assert _without_tokens(again.content) == _without_tokens(first.content)


def _without_tokens(html: bytes) -> bytes:
    return re.sub(rb"[A-Za-z0-9]{64}", b"TOKEN", html)


def test_an_edit_shows_at_once(client, community, post, member):
    url = reverse("practices:detail", args=[community.slug, post.pk])
    feed = reverse("practices:feed", args=[community.slug])
    assert b"Shift notes that stay" in client.get(url).content
    assert b"Shift notes that stay" in client.get(feed).content
    data = {f: getattr(post, f) for f in services.content_fields(post.kind)}
    services.post_update(post=post, editor=member, data={**data, "title": "Renamed"})
    assert b"Renamed" in client.get(url).content
    assert b"Renamed" in client.get(feed).content


def test_a_hidden_post_and_a_hidden_comment_vanish_at_once(
    client, community, post, facilitator, other_member
):
    comment = services.comment_create(post=post, author=other_member, body="A quiet remark")
    url = reverse("practices:detail", args=[community.slug, post.pk])
    feed = reverse("practices:feed", args=[community.slug])
    assert b"A quiet remark" in client.get(url).content
    services.comment_set_hidden(comment=comment, by=facilitator, hidden=True, reason="Off topic")
    assert b"A quiet remark" not in client.get(url).content
    assert b"Shift notes that stay" in client.get(feed).content
    services.post_set_hidden(post=post, by=facilitator, hidden=True, reason="Spam")
    assert client.get(url).status_code == 404
    assert b"Shift notes that stay" not in client.get(feed).content


def test_a_new_comment_shows_at_once(client, community, post, other_member):
    url = reverse("practices:detail", args=[community.slug, post.pk])
    client.get(url)
    services.comment_create(post=post, author=other_member, body="We did the same")
    assert b"We did the same" in client.get(url).content


def test_a_community_gone_members_only_shows_nothing_cached(client, community, post):
    pages = _pages(community, post)
    for url in pages:
        assert client.get(url).status_code == 200
    community_services.community_update(community=community, visibility="members")
    for url in pages[1:]:
        assert b"Shift notes that stay" not in client.get(url).content


def test_a_renamed_author_shows_at_once(client, community, post, member):
    url = reverse("practices:detail", args=[community.slug, post.pk])
    assert b"Mia Member" in client.get(url).content
    member.display_name = "Mia Renamed"
    member.save()
    assert b"Mia Renamed" in client.get(url).content


def test_members_are_never_served_a_visitors_page(client, community, post, member):
    url = reverse("practices:detail", args=[community.slug, post.pk])
    client.get(url)
    client.force_login(member)
    page = client.get(url).content.decode()
    assert reverse("practices:edit", args=[community.slug, post.pk]) in page


def test_each_language_has_its_own_page(client, community, post):
    url = reverse("practices:feed", args=[community.slug])
    english = client.get(url, headers={"accept-language": "en"}).content
    german = client.get(url, headers={"accept-language": "de"}).content
    assert english != german
    assert b'lang="de"' in german


def test_every_visitor_gets_their_own_csrf_token(community, post):
    """The language switcher of a page cached for one visitor works for the next."""
    url = reverse("practices:feed", args=[community.slug])
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(url)
    page = second.get(url)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', page.content)
    assert token is not None
    assert "csrftoken" in page.cookies
    switched = second.post(
        reverse("set_language"),
        {"language": "de", "next": url, "csrfmiddlewaretoken": token.group(1).decode()},
    )
    assert switched.status_code == 302


def test_a_page_with_a_message_waiting_is_not_served_from_the_cache(rf, client, community, post):
    url = reverse("practices:feed", args=[community.slug])
    client.get(url)
    # Signing out leaves "You have signed out." for the next page.
    session_client = Client()
    session_client.force_login(builders.add_member(community).user)
    session_client.post(reverse("account_logout"))
    page = session_client.get(url)
    assert any(m.level == messages.SUCCESS for m in page.context["messages"])


def test_turned_off_every_visit_is_rendered(client, community, post, settings):
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 0
    url = reverse("practices:feed", args=[community.slug])
    client.get(url)
    assert client.get(url).context is not None


def test_each_host_has_its_own_page(client, community, post, settings):
    """A page with absolute links asked on one allowed host is not served on another."""
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    url = reverse("practices:feed", args=[community.slug])
    client.get(url, HTTP_HOST="one.example")
    again = client.get(url, HTTP_HOST="two.example")
    assert again.context is not None  # rendered, not taken from the other host's entry
