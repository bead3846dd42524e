"""The notification inbox: listing, marking read, opening one."""

import pytest
from django.urls import reverse

from practices import services

from .helpers import join, make_notifications, notes


def test_the_notifications_page_asks_to_sign_in(client):
    response = client.get(reverse("members:notifications"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_notifications_page_lists_only_my_own_newest_first(
    client, experience, author, commenter, community
):
    services.comment_create(post=experience, author=commenter, body="First comment")
    services.comment_create(post=experience, author=join(community).user, body="Second comment")
    services.comment_create(post=experience, author=author, body="My answer")
    client.force_login(author)

    page = client.get(reverse("members:notifications")).content.decode()

    assert page.index("Second comment") < page.index("First comment")
    assert page.count("notification--unread") == 2
    assert "My answer" not in page
    client.force_login(commenter)
    assert "First comment" not in client.get(reverse("members:notifications")).content.decode()


@pytest.mark.parametrize("count", [5, 60])
def test_the_notifications_page_needs_the_same_queries_at_any_size(
    client, community, author, commenter, count, django_assert_max_num_queries
):
    make_notifications(author, count, community=community, actor=commenter)
    client.force_login(author)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("members:notifications"))

    assert response.status_code == 200
    assert response.content.decode().count('class="notification ') == min(count, 20)


def test_older_notifications_are_a_page_away(client, community, author, commenter):
    make_notifications(author, 25, community=community, actor=commenter)
    client.force_login(author)

    first = client.get(reverse("members:notifications"))
    cursor = first.context["page"].next_cursor
    second = client.get(reverse("members:notifications"), {"after": cursor}).content.decode()

    assert "Reply number 24" in first.content.decode()
    assert "Reply number 4" in second and "Reply number 5" not in second
    assert second.count('class="notification ') == 5


def test_what_can_no_longer_be_seen_shows_without_its_title(
    client, experience, author, commenter, facilitator
):
    comment = services.comment_create(post=experience, author=commenter, body="Rude words")
    services.comment_set_hidden(comment=comment, by=facilitator, hidden=True, reason="Rude")
    client.force_login(author)

    page = client.get(reverse("members:notifications")).content.decode()

    assert "Rude words" not in page
    assert "no longer available" in page


def test_mark_all_read(client, experience, author, commenter, community):
    services.comment_create(post=experience, author=commenter, body="One")
    services.comment_create(post=experience, author=join(community).user, body="Two")
    client.force_login(author)

    response = client.post(reverse("members:notifications_read"), {"all": "1"}, follow=True)

    assert "2 notifications marked as read." in response.content.decode()
    assert all(n.read_at for n in notes(author))
    assert "notification--unread" not in response.content.decode()


def test_mark_read_is_a_post(client, experience, author, commenter):
    services.comment_create(post=experience, author=commenter, body="One")
    client.force_login(author)

    assert client.get(reverse("members:notifications_read"), {"all": "1"}).status_code == 405
    assert [n.read_at for n in notes(author)] == [None]


def test_opening_a_notification_reads_it_and_goes_to_its_target(
    client, experience, author, commenter, community
):
    first = services.comment_create(post=experience, author=commenter, body="One")
    services.comment_create(post=experience, author=join(community).user, body="Two")
    note = notes(author)[0]
    client.force_login(author)

    response = client.get(reverse("members:notification_open", args=[note.pk]))

    assert response.status_code == 302
    assert response.url == first.get_absolute_url()
    # Both are about the same post, which the member is about to read.
    assert all(n.read_at for n in notes(author))


def test_someone_else_s_notification_does_not_exist_for_me(client, experience, author, commenter):
    services.comment_create(post=experience, author=commenter, body="One")
    note = notes(author)[0]
    client.force_login(commenter)

    response = client.get(reverse("members:notification_open", args=[note.pk]))

    assert response.status_code == 404
    assert notes(author)[0].read_at is None
