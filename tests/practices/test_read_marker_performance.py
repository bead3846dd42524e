"""Read markers cost the pages no queries that grow with the data: the feed keeps its
budget with "New" and "3 new comments", the cards' "N new posts" is one bounded count,
and at 20,000 posts every marker query walks an index, never the table."""

import json
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Membership
from practices import services
from practices.markdown import RENDERER_VERSION
from practices.models import Comment, CommunityRead, Post, PostRead
from practices.querysets import NEW_POSTS_CAP
from tests.practices.test_list_performance import SIGNED_IN_BUDGET

MARKER_TABLES = {"practices_post", "practices_comment", "practices_postread"}
# What a page may read from the posts table in all: a feed page (21 rows), the starter
# posts, the capped counts, with room to spare; the community holds 20,000.
POST_ROWS_READ = 600


def _posts(community, author, count: int, *, newest_at=None) -> list[Post]:
    """`count` published experiences, one a minute back from `newest_at` (now)."""
    newest_at = newest_at or timezone.now()
    return Post.objects.bulk_create(
        Post(
            community=community,
            author=author,
            kind=Post.Kind.EXPERIENCE,
            title=f"Rota experiment {n}",
            tried="Swapping the weekend rota.",
            happened="It held for a month.",
            learned="Rotas need an owner.",
            excerpt="Rotas need an owner.",
            body_html={"learned": "<p>Rotas need an owner.</p>"},
            markdown_version=RENDERER_VERSION,
            published_at=newest_at - timedelta(minutes=n),
            last_activity_at=newest_at - timedelta(minutes=n),
        )
        for n in range(count)
    )


def _reading_history(community, member, author, posts: list[Post]) -> None:
    """The member read a few posts; comments came before and after their visits."""
    membership = Membership.objects.get(user=member, community=community)
    for post in posts[5:10]:
        services.post_mark_read(post=post, user=member, membership=membership, at=post.published_at)
    Comment.objects.bulk_create(
        Comment(
            post=post,
            author=author,
            body="Same here",
            body_html="<p>Same here</p>",
            created_at=post.published_at + timedelta(seconds=30),
        )
        for post in posts[:40]
    )


def _pages(community) -> dict[str, str]:
    feed = reverse("practices:feed", args=[community.slug])
    return {
        "feed": feed,
        "feed-active": f"{feed}?sort=active",
        "home": reverse("home"),
        "mine": reverse("communities:mine"),
        "directory": reverse("communities:directory"),
    }


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


def _joined_before(community, member, when) -> None:
    Membership.objects.filter(user=member, community=community).update(joined_at=when)


def test_the_feed_and_the_cards_keep_their_budgets_with_markers_at_30_and_300_posts(
    client, community, member, other_member
):
    start = timezone.now() - timedelta(days=30)
    _joined_before(community, member, start)
    posts = _posts(community, other_member, 30)
    _reading_history(community, member, other_member, posts)
    client.force_login(member)
    pages = _pages(community)
    for url in pages.values():
        _queries(client, url)  # the session and per-process caches settle
    small = {name: _queries(client, url) for name, url in pages.items()}
    assert "badge--new" in client.get(pages["feed"]).content.decode()

    more = _posts(community, other_member, 270, newest_at=timezone.now() - timedelta(hours=1))
    _reading_history(community, member, other_member, more)
    big = {name: _queries(client, url) for name, url in pages.items()}

    for name in pages:
        assert len(big[name]) == len(small[name]), (name, big[name])
        assert len(big[name]) <= SIGNED_IN_BUDGET, (name, big[name])
    assert not any(sql.lstrip().upper().startswith(("INSERT", "UPDATE")) for sql in big["feed"])


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _explain(sql: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return list(_plan_nodes(plan[0]["Plan"]))


def test_marker_queries_walk_indexes_and_read_a_bounded_range_at_20000_posts(
    client, community, member, other_member
):
    _joined_before(community, member, timezone.now() - timedelta(days=60))
    posts = _posts(community, other_member, 20_000)
    # Half the community is older than the member's "mark all as read".
    services.community_mark_read(community=community, user=member)
    CommunityRead.objects.filter(user=member).update(read_before=posts[10_000].published_at)
    _reading_history(community, member, other_member, posts)
    assert PostRead.objects.filter(user=member).count() == 5
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE practices_post, practices_comment, practices_postread")
    client.force_login(member)
    pages = _pages(community)
    first_feed = client.get(pages["feed"]).content.decode()
    assert f"{NEW_POSTS_CAP}+ new posts" in client.get(pages["mine"]).content.decode()
    assert "badge--new" in first_feed
    older = reverse("practices:feed", args=[community.slug])
    cursor_value = first_feed.split("after=")[1].split('"')[0]
    pages["feed-older"] = f"{older}?after={cursor_value}"
    pages["post"] = posts[7].get_absolute_url()

    problems = {}
    with connection.cursor() as cursor:
        # With sequential scans priced out, a plan that still has one has no index to use.
        cursor.execute("SET enable_seqscan = off")
    try:
        for name, url in pages.items():
            for sql in _queries(client, url):
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                post_rows = 0
                for node in _explain(sql):
                    table = node.get("Relation Name")
                    if table not in MARKER_TABLES:
                        continue
                    if node["Node Type"] == "Seq Scan":
                        problems.setdefault(name, []).append((f"seq scan of {table}", sql[:200]))
                    if table == "practices_post":
                        loops = node.get("Actual Loops", 1)
                        post_rows += node.get("Actual Rows", 0) * loops
                        post_rows += node.get("Rows Removed by Filter", 0) * loops
                if post_rows > POST_ROWS_READ:
                    problems.setdefault(name, []).append((f"{post_rows} post rows", sql[:200]))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
    assert not problems, problems
