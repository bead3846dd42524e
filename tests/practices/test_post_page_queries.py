"""The post page costs the same queries with 5 comments as with 200, for every reader,
and its comment queries carry no permission subqueries and no unshown columns."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from practices.models import Comment, Post
from tests.builders import add_member
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.staff import login_with_mfa

# House budgets for a post page (STYLE.md, "Performance habits").
# The budgets are what rendering a page costs (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("render_every_request")

BUDGET = {"anonymous": 8, "member": 12, "facilitator": 12, "staff": 12}


def _post_with(community, count: int) -> Post:
    """A post whose conversation has `count` comments: threads, each with two replies,
    some of them hidden, one marked helpful."""
    post = PostFactory(community=community, author=UserFactory(), comment_count=count)
    writers = [add_member(community).user for _ in range(3)]
    tops = []
    for n in range(count):
        if n % 3 == 0 or not tops:
            top = CommentFactory(
                post=post,
                author=writers[n % 3],
                hidden_at=timezone.now() if n % 7 == 6 else None,
                marked_helpful_at=timezone.now() if n == 3 else None,
            )
            tops.append(top)
        else:
            CommentFactory(post=post, author=writers[n % 3], parent=tops[-1])
    assert Comment.objects.filter(post=post).count() == count
    return post


def _sign_in(client, who: str, community, facilitator):
    if who == "member":
        client.force_login(add_member(community).user)
    elif who == "facilitator":
        client.force_login(facilitator)
    elif who == "staff":
        login_with_mfa(client, UserFactory(is_staff=True))


def _queries(client, post: Post, **params) -> tuple[int, list[str]]:
    url = reverse("practices:detail", args=[post.community.slug, post.pk])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("who", BUDGET)
def test_the_post_page_costs_the_same_with_5_and_200_comments(client, community, facilitator, who):
    small, large = _post_with(community, 5), _post_with(community, 200)
    _sign_in(client, who, community, facilitator)
    _queries(client, small)  # the session and the language settle on the first request
    at_5, _ = _queries(client, small)
    at_200, sql = _queries(client, large)
    assert at_5 == at_200 <= BUDGET[who], "\n".join(sql)
    # The last page of a long conversation costs the same as the first.
    last_page, _ = _queries(client, large, page=2)
    assert last_page == at_200


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_comment_queries_fetch_no_permission_subqueries_and_no_password_hashes(
    client, community, facilitator, who
):
    post = _post_with(community, 50)
    _sign_in(client, who, community, facilitator)
    _, sql = _queries(client, post)
    comment_queries = [q for q in sql if 'FROM "practices_comment"' in q]
    assert len(comment_queries) == 3  # the count for the pages, the threads, their replies
    for query in comment_queries:
        assert "EXISTS" not in query and "communities_community" not in query, query
        assert '"members_user"."password"' not in query, query
        assert '"members_user"."bio"' not in query, query
    post_query = next(q for q in sql if 'FROM "practices_post"' in q)
    assert "search_vector" not in post_query and "comments_text" not in post_query
    assert '"members_user"."password"' not in post_query


def test_the_post_page_shows_the_html_stored_when_written(client, community, member):
    """No Markdown is rendered per request: the page shows what the services stored."""
    post = PostFactory(
        community=community,
        author=UserFactory(),
        body_html={"situation": "<p>Stored situation</p>", "learned": "<p>Stored lesson</p>"},
    )
    CommentFactory(post=post, body="**typed**", body_html="<p>Stored comment</p>")
    html = client.get(reverse("practices:detail", args=[community.slug, post.pk])).content
    html = html.decode()
    assert "Stored situation" in html and "Stored lesson" in html
    assert "Stored comment" in html and "<strong>typed</strong>" not in html
    assert "A surgical ward with 28 beds." not in html  # the raw situation is not rendered


def test_a_comment_written_around_the_services_is_still_rendered_safely(client, community):
    post = PostFactory(community=community, author=UserFactory())
    Comment.objects.create(
        post=post, author=UserFactory(), body="**Bold** <script>alert(1)</script>"
    )
    html = client.get(reverse("practices:detail", args=[community.slug, post.pk])).content
    assert b"<strong>Bold</strong>" in html and b"<script>alert(1)" not in html
