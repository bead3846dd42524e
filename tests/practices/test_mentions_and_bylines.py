"""@mentions and bylines link to a profile only for readers who may open it."""

import pytest
from django.urls import reverse

from practices import services
from practices.markdown import link_mentions, render_markdown
from tests import builders
from tests.factories import UserFactory


def test_the_renderer_marks_mentions_but_not_in_code_or_links():
    html = render_markdown("Ask @ada-osei, not `@code` or [@link](https://example.org) or a@b.c")
    assert '<span class="mention" data-handle="ada-osei">@ada-osei</span>' in html
    assert "<code>@code</code>" in html
    assert 'data-handle="link"' not in html
    assert 'data-handle="b' not in html


def test_authors_cannot_forge_a_mention_mark():
    html = render_markdown('<span class="mention" data-handle="ada">@ada</span>')
    assert link_mentions(html, {"ada": "/members/1/"}).count('href="/members/1/"') == 1
    assert "&lt;span" in html


def test_link_mentions_links_only_the_handles_given():
    html = render_markdown("@ada-osei and @ben-lima")
    linked = link_mentions(html, {"ada-osei": "/members/7/"})
    assert '<a class="mention" href="/members/7/">@ada-osei</a>' in linked
    assert '<span class="mention" data-handle="ben-lima">@ben-lima</span>' in linked


@pytest.fixture
def mention_post(community, facilitator):
    named = builders.add_member(community, UserFactory(display_name="Ada Osei")).user
    post = builders.share(community, facilitator, "Handover card", learned="Thanks @ada-osei!")
    comment = services.comment_create(post=post, author=named, body="Glad @fay-facilitator asked")
    return post, named, comment


def _page(client, post):
    return client.get(post.get_absolute_url()).content.decode()


def test_a_member_sees_mentions_and_bylines_as_profile_links(
    client, mention_post, member, facilitator
):
    post, named, _comment = mention_post
    client.force_login(member)
    html = _page(client, post)
    ada = reverse("members:profile", args=[named.pk])
    fay = reverse("members:profile", args=[facilitator.pk])
    assert f'<a class="mention" href="{ada}">@ada-osei</a>' in html
    assert f'<a class="mention" href="{fay}">@fay-facilitator</a>' in html
    assert f'href="{fay}" class="post__author"' in html
    assert f'class="comment__author" href="{ada}"' in html


@pytest.mark.parametrize("signed_in", [True, False])
def test_a_reader_who_shares_no_community_sees_names_without_links(
    client, mention_post, outsider, facilitator, signed_in
):
    post, named, _comment = mention_post
    if signed_in:
        client.force_login(outsider)
    html = _page(client, post)
    for person in (named, facilitator):
        assert reverse("members:profile", args=[person.pk]) not in html
    assert '<span class="mention" data-handle="ada-osei">@ada-osei</span>' in html
    assert '<span class="post__author">Fay Facilitator</span>' in html
    assert "Ada Osei</span>" in html


def test_the_profile_links_cost_one_query_whatever_the_number_of_authors(
    client, mention_post, community, member
):
    post, _named, _comment = mention_post
    client.force_login(member)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        _page(client, post)
    for n in range(5):
        author = builders.add_member(community, UserFactory(display_name=f"Writer {n}")).user
        services.comment_create(post=post, author=author, body=f"Me too @ada-osei ({n})")
    with CaptureQueriesContext(connection) as many:
        html = _page(client, post)
    assert "Writer 4" in html
    assert len(many) == len(few)
