"""The hot list pages cost the same number of queries at a demo size and at the size of
an organisation, and every query they make on posts and comments is served by an index."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag

from members.models import Notification
from practices import services
from practices.models import Comment, Post, PostTag
from tests.builders import bulk_experiences
from tests.factories import PostFactory

ANONYMOUS_BUDGET = 6
SIGNED_IN_BUDGET = 10
# A community's overview page also reads its charter, topics, facilitators and next
# meetings: more queries than a list, but just as many at any size.
OVERVIEW_BUDGETS = {"community": (9, 14)}
BIG_TABLES = {"practices_post", "practices_comment"}

# The budgets are what rendering a page costs (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("render_every_request")


def _pages(community, author) -> list[tuple[str, str, bool]]:
    feed = reverse("practices:feed", args=[community.slug])
    return [
        ("home", reverse("home"), False),
        ("directory", reverse("communities:directory"), False),
        ("community", reverse("communities:detail", args=[community.slug]), False),
        ("feed", feed, False),
        ("feed-active", f"{feed}?sort=active", False),
        ("feed-helpful", f"{feed}?sort=helpful", False),
        ("feed-challenges", f"{feed}?kind=challenge", False),
        ("feed-open", f"{feed}?open_challenges=on", False),
        ("feed-outcome", f"{feed}?outcome=mixed", False),
        ("feed-topic", f"{feed}?tag=rota", False),
        ("community-tag", reverse("practices:community_tag", args=[community.slug, "rota"]), False),
        ("tag", reverse("practices:tag", args=["rota"]), False),
        ("lessons", reverse("practices:lessons"), False),
        ("profile", reverse("members:profile", args=[author.pk]), True),
        ("notifications", reverse("members:notifications"), True),
        ("bookmarks", reverse("practices:bookmarks"), True),
    ]


def _grow(community, author, reader, count: int) -> None:
    """`count` more posts with comments, reactions, bookmarks and notifications."""
    bulk_experiences(community, author, count)
    posts = list(Post.objects.filter(community=community).order_by("-pk")[:count])
    Comment.objects.bulk_create(
        Comment(post=post, author=reader, body=f"Comment {n}", body_html=f"<p>Comment {n}</p>")
        for n, post in enumerate(posts)
    )
    Comment.objects.bulk_create(
        Comment(post=post, author=author, body="An answer", body_html="<p>An answer</p>")
        for post in PostFactory.create_batch(
            max(2, count // 10), community=community, author=reader, challenge=True
        )
    )
    Notification.objects.bulk_create(
        Notification(
            recipient=reader,
            kind="reply",
            actor=author,
            community=community,
            post=post,
            summary="A reply",
            url=post.get_absolute_url(),
        )
        for post in posts[:40]
    )
    for post in posts[:25]:
        services.bookmark_set(post=post, user=reader, active=True)


def _queries(client, pages) -> dict[str, list[str]]:
    seen = {}
    for name, url, _signed_in in pages:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, name
        seen[name] = [q["sql"] for q in captured.captured_queries]
    return seen


def test_list_pages_make_the_same_queries_at_demo_and_organisation_size(
    client, community, member, other_member, facilitator
):
    _grow(community, other_member, member, 5)
    services.post_set_pinned(
        post=Post.objects.filter(community=community).first(), by=facilitator, pinned=True
    )
    pages = _pages(community, other_member)
    anonymous = [p for p in pages if not p[2]]
    _queries(client, anonymous)  # per-process caches (content types) warm up once
    small_anon = _queries(client, anonymous)
    client.force_login(member)
    small_member = _queries(client, pages)

    _grow(community, other_member, member, 300)
    client.logout()
    big_anon = _queries(client, anonymous)
    client.force_login(member)
    big_member = _queries(client, pages)

    for name, _url, _signed_in in anonymous:
        assert len(big_anon[name]) == len(small_anon[name]), name
        budget = OVERVIEW_BUDGETS.get(name, (ANONYMOUS_BUDGET,))[0]
        assert len(big_anon[name]) <= budget, (name, big_anon[name])
    for name, _url, _signed_in in pages:
        assert len(big_member[name]) == len(small_member[name]), name
        budget = OVERVIEW_BUDGETS.get(name, (0, SIGNED_IN_BUDGET))[1]
        assert len(big_member[name]) <= budget, (name, big_member[name])


def _scans(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _scans(child)


def _bad_scans(sql: str) -> list[str]:
    """Sequential scans of posts or comments, and index scans that read and discard
    more rows than they return (an index that does not serve the filter)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    bad = []
    for node in _scans(plan[0]["Plan"]):
        table = node.get("Relation Name")
        if table not in BIG_TABLES:
            continue
        loops = node.get("Actual Loops", 1)
        removed = node.get("Rows Removed by Filter", 0)
        if node["Node Type"] == "Seq Scan":
            bad.append(f"sequential scan of {table}")
        elif removed > 50 and removed > node.get("Actual Rows", 0) * loops:
            bad.append(f"{node['Node Type']} on {table} discards {removed} rows")
    return bad


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_query_of_the_list_pages_is_served_by_an_index(
    client, community, member, other_member, facilitator, signed_in
):
    _grow(community, other_member, member, 400)
    services.post_set_pinned(
        post=Post.objects.filter(community=community).first(), by=facilitator, pinned=True
    )
    PostTag.objects.bulk_create(
        PostTag(content_object=post, tag=Tag.objects.get(slug="rota"))
        for post in Post.objects.filter(kind=Post.Kind.CHALLENGE)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE practices_post, practices_comment, practices_posttag")
    pages = _pages(community, other_member)
    if signed_in:
        client.force_login(member)
    else:
        pages = [p for p in pages if not p[2]]
    problems = {}
    with connection.cursor() as cursor:
        # With sequential scans priced out, a plan that still has one has no index to use.
        cursor.execute("SET enable_seqscan = off")
    try:
        for name, sqls in _queries(client, pages).items():
            for sql in sqls:
                if sql.lstrip().upper().startswith("SELECT") and (bad := _bad_scans(sql)):
                    problems.setdefault(name, []).append((bad, sql[:300]))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
    assert not problems, problems


def test_visible_in_a_community_follows_the_same_rule_as_visible_to(
    community, member, other_member, facilitator, outsider, staff_user
):
    from django.contrib.auth.models import AnonymousUser

    from communities.access import access_community

    posts = PostFactory.create_batch(3, community=community, author=member)
    services.post_set_hidden(post=posts[0], by=facilitator, hidden=True, reason="Off topic")
    PostFactory(community=community, author=other_member, draft=True)
    for user in (AnonymousUser(), member, other_member, facilitator, outsider, staff_user):
        opened, viewer = access_community(user, community.slug, to="read")
        scoped = Post.objects.visible_in(opened, user, viewer)
        expected = Post.objects.visible_to(user).filter(community=community)
        assert set(scoped) == set(expected), user
