"""The header's unread count: loaded with the user, one COUNT otherwise, none for visitors."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practices import services


def test_the_header_shows_the_unread_count_without_a_query_of_its_own(
    client, experience, author, commenter
):
    services.comment_create(post=experience, author=commenter, body="One")
    client.force_login(author)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home")).content.decode()

    assert '1<span class="visually-hidden"> unread notifications</span>' in page
    counts = [q["sql"] for q in queries if 'FROM "members_notification"' in q["sql"]]
    assert len(counts) == 1 and 'FROM "members_user"' in counts[0]


def test_the_header_count_falls_back_to_one_count_query(rf, experience, author, commenter):
    from members.context_processors import notifications as processor

    services.comment_create(post=experience, author=commenter, body="One")
    request = rf.get("/")
    request.user = author  # loaded without the count

    unread = processor(request)["unread_notifications"]

    assert (unread.count, unread.label) == (1, "1")


def test_the_header_shows_no_count_to_anonymous_visitors(client, db):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home")).content.decode()

    assert "unread notifications" not in page
    assert not any("members_notification" in q["sql"] for q in queries)
