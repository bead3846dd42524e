"""Comment cards are rendered once and shared by the readers they look the same for;
any change to what a card shows, and anything a reader sees differently, shows at once."""

import re
from unittest import mock

from practices import services
from practices.templatetags import comment_cards
from tests.factories import PostFactory


def _page(client, post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _card(html: str, comment) -> str:
    found = re.search(
        rf'<article class="comment[^"]*" id="comment-{comment.pk}".*?</article>', html, re.S
    )
    assert found, f"no card for comment {comment.pk}"
    return found.group(0)


def _stored(client, post) -> tuple[str, int]:
    with mock.patch.object(comment_cards.cache, "set", wraps=comment_cards.cache.set) as stored:
        html = _page(client, post)
    return html, stored.call_count


def test_a_second_reader_gets_the_cards_from_the_cache(
    client, community, member, other_member, facilitator
):
    post = PostFactory(community=community, author=facilitator)
    comments = [
        services.comment_create(post=post, author=facilitator, body=f"Tip {n}") for n in range(3)
    ]
    client.force_login(member)
    first, stored = _stored(client, post)
    assert stored == 3
    client.force_login(other_member)
    second, stored = _stored(client, post)
    assert stored == 0
    for comment in comments:
        assert _card(first, comment) == _card(second, comment)
        assert "Report" in _card(second, comment)


def test_cards_follow_edits_and_what_each_reader_may_do(
    client, community, member, other_member, facilitator, outsider
):
    post = PostFactory(community=community, author=facilitator)
    comment = services.comment_create(post=post, author=other_member, body="We use a card.")
    client.force_login(member)
    card = _card(_page(client, post), comment)
    assert "We use a card." in card and 'class="comment__author" href=' in card
    assert "csrfmiddlewaretoken" not in card and "Edit" not in card

    # Their own comment: the edit form with their token, never a card cached for others.
    client.force_login(other_member)
    own = _card(_page(client, post), comment)
    assert "csrfmiddlewaretoken" in own and f"id_edit_body_{comment.pk}" in own

    # The facilitator hides; a signed-in outsider may not open the author's profile.
    client.force_login(facilitator)
    assert f"id_hide_comment_{comment.pk}" in _card(_page(client, post), comment)
    client.force_login(outsider)
    card = _card(_page(client, post), comment)
    assert 'class="comment__author" href=' not in card and "Report" not in card

    services.comment_update(comment=comment, editor=other_member, body="We use a checklist.")
    client.force_login(member)
    card = _card(_page(client, post), comment)
    assert "We use a checklist." in card and "We use a card." not in card and "(edited)" in card

    other_member.display_name = "Omar Renamed"
    other_member.save(update_fields=["display_name"])
    assert "Omar Renamed" in _card(_page(client, post), comment)
