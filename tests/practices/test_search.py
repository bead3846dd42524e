from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from practices import search as search_module
from practices import services
from practices.models import Post, TagFollow
from practices.search import search_posts, similar_experiences
from tests.builders import ask, bulk_experiences, join_long_ago, launch_community, share
from tests.factories import UserFactory
from tests.practices.conftest_search import *  # noqa: F403
from tests.practices.conftest_search import WARDS

ANONYMOUS = AnonymousUser()
SECRET_TITLE = "Quarantine triage rota for the isolation bay"
SECRET_MARK = "for the isolation bay"  # words of the title no query highlights


def titles(page) -> list[str]:
    return [post.title for post in page.results]


# --- Matching and highlighting ---------------------------------------------------------


def test_a_quoted_phrase_finds_the_post_and_marks_the_words(public_community, member):
    share(
        public_community,
        member,
        "Handover at the bed",
        happened="The bedside handover took twenty minutes instead of forty.",
    )
    share(
        public_community,
        member,
        "Corridor talk",
        happened="Handover moved away from the bedside into the corridor.",
    )

    page = search_posts(member, '"bedside handover"')

    assert titles(page) == ["Handover at the bed"]
    snippet = str(page.results[0].snippet_html)
    assert "<mark>bedside</mark> <mark>handover</mark>" in snippet
    assert "<mark>Handover</mark>" in str(page.results[0].title_html)


def test_or_finds_either_word_and_a_minus_leaves_posts_out(public_community, member):
    share(public_community, member, "Checklist on the wall")
    share(public_community, member, "Template in the record")
    share(public_community, member, "Checklist on paper", happened="Printed on paper every day.")

    assert set(titles(search_posts(member, "checklist OR template"))) == {
        "Checklist on the wall",
        "Template in the record",
        "Checklist on paper",
    }
    assert titles(search_posts(member, "checklist -paper")) == ["Checklist on the wall"]


def test_a_title_match_ranks_above_a_match_in_comments_only(public_community, member, facilitator):
    in_title = share(public_community, member, "Defibrillator checks at dawn")
    in_comment = share(public_community, member, "Morning equipment round")
    services.comment_create(
        post=in_comment, author=facilitator, body="We also test the defibrillator then."
    )
    # The comment-only match is newer, so only ranking can put the title match first.
    Post.objects.filter(pk=in_title.pk).update(
        published_at=in_title.published_at.replace(year=2020)
    )

    page = search_posts(member, "defibrillator")

    assert titles(page) == ["Defibrillator checks at dawn", "Morning equipment round"]
    assert page.results[0].rank > page.results[1].rank


def test_filters_narrow_the_results(public_community, member, facilitator):
    share(public_community, member, "Huddle that worked", tags=["huddles"])
    share(public_community, member, "Huddle that failed", outcome=Post.Outcome.FAILED)
    ask(public_community, facilitator, "How long should a huddle be?")

    assert titles(search_posts(member, "huddle", kind="challenge")) == [
        "How long should a huddle be?"
    ]
    assert titles(search_posts(member, "huddle", outcome="failed")) == ["Huddle that failed"]
    assert titles(search_posts(member, "huddle", tag="huddles")) == ["Huddle that worked"]
    other = launch_community(facilitator, name="Other wards", **WARDS)
    assert titles(search_posts(member, "huddle", community=other)) == []


def test_results_come_page_by_page_without_counting_every_match(public_community, member):
    bulk_experiences(public_community, member, 25)

    first = search_posts(member, "rota", limit=20)
    second = search_posts(member, "rota", limit=20, offset=20)

    assert len(first.results) == 20 and first.has_more and not first.has_previous
    assert len(second.results) == 5 and not second.has_more and second.has_previous
    assert not set(titles(first)) & set(titles(second))


def test_only_a_bounded_set_of_the_newest_matches_is_ranked(public_community, member, monkeypatch):
    bulk_experiences(public_community, member, 8)
    monkeypatch.setattr(search_module, "CANDIDATES", 3)

    assert len(search_posts(member, "rota").results) == 3


def test_highlighted_text_cannot_inject_html(client, public_community, member):
    share(
        public_community,
        member,
        "<script>alert('title')</script> Injection drill",
        learned="<img src=x onerror=alert(1)> the injection drill <b>taught</b> us",
    )

    page = search_posts(member, "injection drill")
    response = client.get(reverse("practices:search"), {"q": "injection drill"})

    assert "<script>" not in str(page.results[0].title_html)
    assert "&lt;script&gt;" in str(page.results[0].title_html)
    assert "<img" not in str(page.results[0].snippet_html)
    html = response.content.decode()
    assert "&lt;script&gt;alert" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html and "<b>taught" not in html
    assert "<mark>Injection</mark>" in html


def test_empty_and_stop_word_queries_find_nothing(public_community, member):
    share(public_community, member, "The handover")

    assert search_posts(member, "").results == []
    assert search_posts(member, "the").results == []


# --- Who finds what --------------------------------------------------------------------


@pytest.fixture
def secret_post(private_community, member):
    return share(
        private_community,
        member,
        SECRET_TITLE,
        tags=["isolation"],
        learned="Quarantine triage needs one named nurse.",
        recommend="Keep quarantine triage short.",
    )


def test_a_members_only_post_is_found_by_members_only(secret_post, member, outsider):
    assert titles(search_posts(member, "quarantine triage")) == [SECRET_TITLE]
    assert search_posts(outsider, "quarantine triage").results == []
    assert search_posts(ANONYMOUS, "quarantine triage").results == []


def test_a_hidden_post_is_not_found_by_other_members(secret_post, facilitator, private_community):
    reader = UserFactory()
    join_long_ago(private_community, reader)
    services.post_set_hidden(post=secret_post, by=facilitator, hidden=True, reason="Off topic")

    assert search_posts(reader, "quarantine").results == []
    assert titles(search_posts(facilitator, "quarantine")) == [SECRET_TITLE]


def _pages_about_the_secret(secret_post) -> list[str]:
    return [
        reverse("practices:search") + "?q=quarantine+triage",
        reverse("practices:tag", args=["isolation"]),
        reverse("practices:lessons"),
        reverse("practices:lessons") + "?tag=isolation",
        reverse("practices:similar") + "?title=quarantine+triage+rota",
        reverse("members:profile", args=[secret_post.author_id]),
    ]


def test_members_see_their_members_only_post_on_every_finding_page(client, secret_post, member):
    client.force_login(member)

    for url in _pages_about_the_secret(secret_post):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET_MARK in response.content.decode(), url


@pytest.mark.parametrize("viewer", ["outsider", "anonymous"])
def test_non_members_find_nothing_of_a_members_only_post(
    client, secret_post, outsider, viewer, private_community
):
    if viewer == "outsider":
        client.force_login(outsider)

    for url in _pages_about_the_secret(secret_post):
        response = client.get(url)
        page = response.content.decode()
        assert SECRET_MARK not in page, url
        assert "Quarantine triage needs" not in page, url
        assert private_community.name not in page, url


def test_the_community_menu_lists_only_communities_the_viewer_can_read(
    client, private_community, public_community, outsider
):
    client.force_login(outsider)

    page = client.get(reverse("practices:search")).content.decode()

    assert public_community.name in page
    assert private_community.name not in page


# --- Search page -----------------------------------------------------------------------


def test_the_search_page_explains_the_syntax_before_a_query(client, db):
    page = client.get(reverse("practices:search")).content.decode()

    assert "in quotes finds the exact phrase" in page
    assert "<kbd>handover -paper</kbd>" in page


def test_the_search_page_suggests_what_to_try_when_nothing_matches(client, public_community):
    page = client.get(reverse("practices:search"), {"q": "zeppelin"}).content.decode()

    assert "Nothing found for" in page
    assert "Use fewer or more general words" in page


def test_the_search_page_links_to_more_results(client, public_community, member):
    bulk_experiences(public_community, member, 21)

    first = client.get(reverse("practices:search"), {"q": "rota"}).content.decode()
    second = client.get(reverse("practices:search"), {"q": "rota", "offset": 20})

    assert "offset=20" in first and 'rel="next"' in first
    assert second.content.decode().count('class="card result-card"') == 1
    assert 'rel="prev"' in second.content.decode()


def test_htmx_gets_only_the_results(client, public_community, member):
    share(public_community, member, "Huddle notes")

    response = client.get(reverse("practices:search"), {"q": "huddle"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="search-results"')
    assert "<mark>Huddle</mark>" in html


# --- Similar experiences ---------------------------------------------------------------


def test_similar_lists_experiences_that_share_words_with_a_title(client, public_community, member):
    share(public_community, member, "Night handover with a printed card")
    share(public_community, member, "Pharmacy stock count")
    ask(public_community, member, "Night handover keeps overrunning")

    response = client.get(reverse("practices:similar"), {"title": "How to speed up handover"})

    html = response.content.decode()
    assert "Before you ask: members shared these experiences" in html
    assert "Night handover with a printed card" in html
    assert "Pharmacy stock count" not in html
    assert "keeps overrunning" not in html  # challenges are not experiences


def test_similar_is_empty_for_short_titles(client, public_community, member):
    share(public_community, member, "SBAR card")

    assert client.get(reverse("practices:similar"), {"title": "SBA"}).content == b""
    assert client.get(reverse("practices:similar"), {"title": "or or"}).content == b""


def test_similar_puts_the_current_community_first(public_community, facilitator, member):
    elsewhere = launch_community(facilitator, name="Elsewhere", **WARDS)
    share(elsewhere, facilitator, "Handover handover handover checklist")
    share(public_community, member, "A handover idea")

    posts = similar_experiences(member, "handover checklist", community=public_community)

    assert [p.title for p in posts] == ["A handover idea", "Handover handover handover checklist"]


# --- Lessons ---------------------------------------------------------------------------


def test_lessons_are_grouped_by_topic_with_a_link_to_more(client, public_community, member):
    bulk_experiences(public_community, member, 7, tag="rota")
    share(
        public_community,
        member,
        "Quiet hour",
        tags=["calm"],
        learned="A **quiet hour** after lunch helps.",
        recommend="Put a sign on the door.",
    )

    html = client.get(reverse("practices:lessons")).content.decode()

    assert "#rota" in html and "#calm" in html
    assert html.count("Rotas need an owner") == 5
    assert "More lessons on #rota" in html and "?tag=rota" in html
    assert "More lessons on #calm" not in html
    assert "A <strong>quiet hour</strong> after lunch helps." in html
    assert "Put a sign on the door." in html


def test_one_topics_lessons_come_page_by_page(client, public_community, member):
    bulk_experiences(public_community, member, 23, tag="rota")

    first = client.get(reverse("practices:lessons"), {"tag": "rota"}).content.decode()
    second = client.get(reverse("practices:lessons"), {"tag": "rota", "offset": 20})

    assert first.count("Rotas need an owner") == 20 and "Older lessons" in first
    assert second.content.decode().count("Rotas need an owner") == 3


def test_lessons_leave_out_challenges_and_filter_by_community(
    client, public_community, facilitator, member
):
    other = launch_community(facilitator, name="Other wards", **WARDS)
    share(other, facilitator, "Elsewhere", tags=["rota"], learned="Lesson from elsewhere.")
    share(public_community, member, "Here", tags=["rota"], learned="Lesson from here.")
    ask(public_community, member, "A rota question", tags=["rota"])

    everything = client.get(reverse("practices:lessons")).content.decode()
    here = client.get(reverse("practices:lessons"), {"community": public_community.slug})

    assert "Lesson from elsewhere." in everything and "Lesson from here." in everything
    assert "A rota question" not in everything
    assert "Lesson from elsewhere." not in here.content.decode()


# --- Topics ----------------------------------------------------------------------------


def test_a_topic_page_lists_its_posts_across_communities(
    client, public_community, facilitator, member
):
    other = launch_community(facilitator, name="Other wards", **WARDS)
    share(other, facilitator, "From the other wards", tags=["sbar"])
    share(public_community, member, "From the open wards", tags=["sbar"])
    share(public_community, member, "Untagged")

    html = client.get(reverse("practices:tag", args=["sbar"])).content.decode()

    assert "From the other wards" in html and "From the open wards" in html
    assert "Untagged" not in html
    assert "Sign in to follow this topic" in html


def test_an_unknown_topic_looks_like_an_empty_one(client, db):
    response = client.get(reverse("practices:tag", args=["nothing-here"]))

    assert response.status_code == 200
    assert "No posts on this topic yet" in response.content.decode()


def test_members_follow_and_unfollow_a_topic(client, public_community, member):
    share(public_community, member, "Tagged", tags=["sbar"])
    tag = Tag.objects.get(name="sbar")
    client.force_login(member)
    url = reverse("practices:tag_follow", args=["sbar"])

    response = client.post(url, {"follow": "1"})
    assert response.status_code == 302
    assert TagFollow.objects.filter(user=member, tag=tag).exists()
    assert "Following" in client.get(reverse("practices:tag", args=["sbar"])).content.decode()

    response = client.post(url, {"follow": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Follow this topic" in response.content.decode()
    assert not TagFollow.objects.filter(user=member, tag=tag).exists()


def test_following_a_topic_needs_sign_in_and_a_post(
    client, secret_post, public_community, outsider
):
    url = reverse("practices:tag_follow", args=["isolation"])

    response = client.post(url, {"follow": "1"})
    assert response.status_code == 302 and reverse("account_login") in response.url

    client.force_login(outsider)
    assert client.post(url, {"follow": "1"}).status_code == 404
    assert client.get(url).status_code == 405
    assert not TagFollow.objects.exists()


# --- Query budgets ---------------------------------------------------------------------


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


BUDGET_URLS = [
    reverse("practices:search") + "?q=rota",
    reverse("practices:search") + "?q=rota&kind=experience&tag=rota&community=open-wards",
    reverse("practices:lessons"),
    reverse("practices:lessons") + "?tag=rota",
    reverse("practices:tag", args=["rota"]),
    reverse("practices:similar") + "?title=weekend+rota",
]


@pytest.mark.parametrize("url", BUDGET_URLS)
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_finding_pages_keep_their_query_budget_at_two_data_sizes(
    client, public_community, member, django_assert_max_num_queries, url, signed_in
):
    if signed_in:
        client.force_login(member)
    budget = 10 if signed_in else 6
    bulk_experiences(public_community, member, 5)
    with django_assert_max_num_queries(budget):
        small = client.get(url)
    bulk_experiences(public_community, member, 120)
    with django_assert_max_num_queries(budget):
        large = client.get(url)

    assert small.status_code == large.status_code == 200


def test_the_query_count_does_not_grow_with_the_data(client, public_community, member):
    client.force_login(member)
    bulk_experiences(public_community, member, 5)
    small = {url: _count_queries(client, url) for url in BUDGET_URLS}
    bulk_experiences(public_community, member, 150)
    large = {url: _count_queries(client, url) for url in BUDGET_URLS}

    assert small == large


def test_snippets_show_the_rendered_text_not_the_markdown(public_community, member):
    share(
        public_community,
        member,
        "Lists at the bed",
        happened="We kept a *bedside* list and **never** lost a [handover form](https://example.org/f).",
    )

    snippet = str(search_posts(member, "bedside").results[0].snippet_html)

    assert "<mark>bedside</mark> list" in snippet
    assert "never lost a handover form" in snippet
    assert "*" not in snippet and "[" not in snippet and "example.org" not in snippet


# --- Bounded candidates on a large archive ----------------------------------------------


def _age(post, days: int) -> None:
    published = timezone.now() - timedelta(days=days)
    Post.objects.filter(pk=post.pk).update(published_at=published, created_at=published)


@pytest.fixture
def small_window(monkeypatch):
    """Search as on a big archive: only the newest two posts form the recent window."""
    monkeypatch.setattr(search_module, "RECENT_POSTS", 2)


def test_a_word_only_old_posts_contain_is_still_found(small_window, public_community, member):
    for n in range(4):
        share(public_community, member, f"Recent round {n}")
    old = share(public_community, member, "Night calls", happened="The pager woke us.")
    older = share(public_community, member, "Pager etiquette")
    _age(old, 500)
    _age(older, 900)

    assert search_module.recent_window_start() is not None
    assert set(titles(search_posts(member, "pager"))) == {"Night calls", "Pager etiquette"}


def test_older_matches_fill_the_set_after_the_recent_ones(
    small_window, public_community, member, monkeypatch
):
    monkeypatch.setattr(search_module, "CANDIDATES", 3)
    recent = share(public_community, member, "Fax in the ward office")
    for n in range(3):
        _age(share(public_community, member, f"Fax number {n}"), 400 + n)
    share(public_community, member, "Quiet night")  # the newest post does not match

    found = titles(search_posts(member, "fax"))

    assert len(found) == 3 and recent.title in found


def test_ranking_covers_old_and_recent_candidates(small_window, public_community, member):
    share(public_community, member, "Morning round", happened="Someone mentioned a binder.")
    share(public_community, member, "Evening round")
    _age(share(public_community, member, "Binder for every bay"), 800)

    page = search_posts(member, "binder")

    assert titles(page) == ["Binder for every bay", "Morning round"]
    assert page.results[0].rank > page.results[1].rank


def test_the_window_keeps_private_old_posts_private(
    small_window, public_community, private_community, member, outsider
):
    for n in range(3):
        share(public_community, member, f"Recent round {n}")
    _age(share(private_community, member, "Whiteboard in the isolation bay"), 700)
    _age(share(public_community, member, "Whiteboard at the nurses' station"), 700)

    assert titles(search_posts(outsider, "whiteboard")) == ["Whiteboard at the nurses' station"]
    assert titles(search_posts(ANONYMOUS, "whiteboard")) == ["Whiteboard at the nurses' station"]
    assert len(search_posts(member, "whiteboard").results) == 2


def test_similar_experiences_find_old_ones_too(small_window, public_community, member):
    for n in range(3):
        share(public_community, member, f"Recent round {n}")
    _age(share(public_community, member, "Pager handover between shifts"), 600)

    posts = similar_experiences(member, "pager handover", community=public_community)

    assert [p.title for p in posts] == ["Pager handover between shifts"]


def test_the_planner_settings_end_with_the_search(small_window, public_community, member):
    for n in range(3):
        share(public_community, member, f"Pager round {n}")

    names = ["enable_seqscan", "enable_indexscan", "enable_bitmapscan", "work_mem"]
    names.append("gin_fuzzy_search_limit")
    with transaction.atomic():
        before = _settings(names)
        assert len(search_posts(member, "pager").results) == 3
        after = _settings(names)

    assert after == before
    assert before[:3] == ["on", "on", "on"] and before[4] == "0"


def _settings(names: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
        return list(cursor.fetchone())


def test_a_search_reads_only_what_a_result_shows(public_community, member, facilitator):
    post = share(public_community, member, "Handover board", tags=["handover"])
    services.comment_create(post=post, author=facilitator, body="The handover board helps.")

    result = search_posts(member, "handover").results[0]

    assert {"search_vector", "comments_text", "tried", "recommend"} <= (
        result.get_deferred_fields()
    )
    assert "password" in result.author.get_deferred_fields()
    assert "email" in result.author.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("practices/search/_post_item.html", {"post": result})
    assert len(queries) == 0
    assert "<mark>Handover</mark>" in html and "Mo Member" in html


def test_similar_experiences_read_only_what_they_show(public_community, member):
    share(public_community, member, "Handover board for nights")

    (post,) = similar_experiences(member, "handover board", community=public_community)

    assert {"search_vector", "comments_text", "author_id"} <= post.get_deferred_fields()
