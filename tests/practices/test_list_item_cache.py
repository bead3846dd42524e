"""Post list items are rendered once and shared; any change to what they show is
visible at once."""

from django.urls import reverse

from practices import services
from practices.models import Post
from tests.factories import PostFactory

ITEM = "practices/includes/post_list_item.html"


def _feed(client, community, **params):
    return client.get(reverse("practices:feed", args=[community.slug]), params)


def _item_renders(response) -> int:
    return sum(1 for t in response.templates if t.name == ITEM)


def test_a_second_reader_gets_the_items_from_the_cache(client, community, member):
    PostFactory.create_batch(3, community=community, author=member)
    assert _item_renders(_feed(client, community)) == 3
    assert _item_renders(_feed(client, community)) == 0
    client.force_login(member)  # signed-in pages reuse the same items
    response = _feed(client, community)
    assert _item_renders(response) == 0
    assert response.content.decode().count('class="card post-item') == 3


def test_edits_hides_pins_and_new_posts_show_at_once(
    client, community, member, other_member, facilitator
):
    post = services.post_create(
        community=community,
        author=member,
        kind=Post.Kind.CHALLENGE,
        data={"title": "Night handovers", "situation": "Agency staff at night."},
    )
    assert "Night handovers" in _feed(client, community).content.decode()

    services.post_update(post=post, editor=member, data={"title": "Night shift handovers"})
    html = _feed(client, community).content.decode()
    assert "Night shift handovers" in html and "Night handovers<" not in html

    services.comment_create(post=post, author=other_member, body="We use a card.")
    assert "1 comment" in _feed(client, community).content.decode()

    services.post_set_pinned(post=post, by=facilitator, pinned=True)
    assert "Starter post" in _feed(client, community).content.decode()

    newer = PostFactory(community=community, author=other_member, title="A new one")
    assert "A new one" in _feed(client, community).content.decode()

    services.post_set_hidden(post=newer, by=facilitator, hidden=True, reason="Off topic")
    assert "A new one" not in _feed(client, community).content.decode()
    client.force_login(facilitator)
    html = _feed(client, community).content.decode()
    assert "A new one" in html and "badge--error" in html


def test_each_language_has_its_own_items(client, community, member):
    PostFactory(community=community, author=member)
    assert "0 comments" in _feed(client, community).content.decode()
    german = client.get(
        reverse("practices:feed", args=[community.slug]), headers={"accept-language": "de"}
    )
    assert "0 Kommentare" in german.content.decode()
