"""Full-text search over posts, always through `Post.objects.visible_to`.

Matching uses the stored, GIN-indexed `search_vector`. Ranking is the expensive part, so
only a bounded candidate set is ranked (`candidate_ids`): the matches among the newest
`RECENT_POSTS` posts, then older matches up to `CANDIDATES`. Highlighted snippets are
computed for one page of results only, and a search reads only what a result shows.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import nh3
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Concat, Left
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from communities.models import Community
from config.pagination import OffsetNavigation

from .markdown import render_markdown
from .models import SEARCH_CONFIG, Post, PostTag
from .tags import normalise_tag

if TYPE_CHECKING:
    from members.models import User

CANDIDATES = 200
SIMILAR_CANDIDATES = 100
# The newest posts in which every match is a candidate (see `candidate_ids`).
RECENT_POSTS = 2_000
# What a result shows, and all a search reads of it (never the search vector, the
# comments' text or anything of the author beyond their name).
RESULT_FIELDS = (
    "title",
    "kind",
    "outcome",
    "answered_at",
    "hidden_at",
    "published_at",
    "comment_count",
    "applied_count",
    "excerpt",
    "community__slug",
    "community__name",
    "shared_without_name",
    "author__display_name",
)
SIMILAR_FIELDS = ("title", "outcome", "community__slug", "community__name")
SIMILAR_MIN_LENGTH = 4
MAX_QUERY_LENGTH = 200
# Private-use characters mark the highlights: user text can be escaped as a whole and the
# markers turned into <mark> afterwards, so nothing in a post is ever taken for markup.
START_SEL, STOP_SEL = "\ue000", "\ue001"
SNIPPET_FIELDS = ("learned", "recommend", "happened", "situation", "tried", "help_wanted")
SNIPPET_SOURCE_CHARS = 20_000
_MARKDOWN_NOISE = re.compile(r"\*\*|__|`+|~~|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+")
_OPERATOR_WORDS = {"or", "and", "not"}


@dataclass
class SearchPage(OffsetNavigation):
    """One page of results; `has_more` says whether a next page exists (no COUNT needed)."""

    query: str
    results: list[Post] = field(default_factory=list)
    offset: int = 0
    limit: int = 20
    has_more: bool = False

    @property
    def first_number(self) -> int:
        return self.offset + 1

    @property
    def last_number(self) -> int:
        return self.offset + len(self.results)


def websearch_query(text: str) -> SearchQuery:
    """Search-engine syntax: "quoted phrases", OR, and -excluded words."""
    return SearchQuery(text[:MAX_QUERY_LENGTH], search_type="websearch", config=SEARCH_CONFIG)


def highlight(text: str | None) -> SafeString:
    """A headline from the database as safe HTML: everything escaped except our <mark>s."""
    if not text:
        return mark_safe("")  # nosec B308
    # The snippet shows the text as readers see it: rendered, then stripped of its tags
    # (a fragment can still cut an emphasis in two, hence the leftover clean-up).
    text = html.unescape(_TAG.sub(" ", render_markdown(text)))
    text = _MARKDOWN_NOISE.sub("", text)
    text = " ".join(text.split())
    marked = escape(text).replace(START_SEL, "<mark>").replace(STOP_SEL, "</mark>")
    # nh3 balances the tags should a post itself contain one of the marker characters.
    return mark_safe(nh3.clean(marked, tags={"mark"}, attributes={}))  # noqa: S308  # nosec B308 B703


def _headlines(query: SearchQuery) -> dict:
    # The snippet is taken from the most telling parts first, the comments last.
    parts = []
    for name in SNIPPET_FIELDS:
        parts += [F(name), Value("\n")]
    body = Concat(*parts, Left("comments_text", SNIPPET_SOURCE_CHARS), output_field=TextField())
    options = {"config": SEARCH_CONFIG, "start_sel": START_SEL, "stop_sel": STOP_SEL}
    return {
        "title_headline": SearchHeadline("title", query, highlight_all=True, **options),
        "snippet_headline": SearchHeadline(
            body,
            query,
            max_words=35,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
            **options,
        ),
    }


def relevance(query: SearchQuery) -> SearchRank:
    """Cover density ranking: it honours the weights (title A … comments D) and, unlike
    plain ts_rank, still ranks matches of a query with an -excluded word; dividing by the
    log of the length keeps long comment threads from drowning out a matching title."""
    return SearchRank(F("search_vector"), query, cover_density=True, normalization=Value(1))


def tagged(queryset: QuerySet[Post], tag: str) -> QuerySet[Post]:
    """Posts carrying `tag`, given as its slug or its name (no extra query)."""
    tag_match = Q(tag__slug=tag) | Q(tag__name=normalise_tag(tag))
    return queryset.filter(pk__in=PostTag.objects.filter(tag_match).values("content_object_id"))


def _filtered(
    queryset: QuerySet[Post],
    *,
    community: Community | None,
    kind: str | None,
    outcome: str | None,
    tag: str | None,
) -> QuerySet[Post]:
    if community is not None:
        queryset = queryset.filter(community=community)
    if kind:
        queryset = queryset.filter(kind=kind)
    if outcome:
        queryset = queryset.filter(outcome=outcome)
    if tag:
        queryset = tagged(queryset, tag)
    return queryset


# Planner settings for the candidate queries, each set for its one statement. A bitmap of
# every match costs tens of milliseconds once a word is in a hundred thousand posts, so
# the GIN index returns a random sample of about `GIN_SAMPLE` matches for such a word
# (gin_fuzzy_search_limit; fewer matches come back exactly). For the older posts the
# planner may use nothing but that index: a walk down the recency index, or through the
# table, that expects a frequent word soon passes every recent row when only old posts
# contain it.
GIN_SAMPLE = 3000
_SAMPLED = {"gin_fuzzy_search_limit": str(GIN_SAMPLE), "work_mem": "'32MB'"}
_SAMPLED_BITMAP_ONLY = {**_SAMPLED, "enable_seqscan": "off", "enable_indexscan": "off"}


def recent_window_start(posts: int | None = None) -> datetime | None:
    """When the newest `posts` (`RECENT_POSTS`) posts begin; None when there are fewer.

    One short walk down the recency index, the same for every viewer.
    """
    posts = RECENT_POSTS if posts is None else posts
    return (
        Post.objects.filter(published_at__isnull=False)
        .order_by("-published_at")
        .values_list("published_at", flat=True)[posts - 1 : posts]
        .first()
    )


def _fetch_planned(queryset: QuerySet, settings: dict[str, str]) -> list[int]:
    """The ids `queryset` selects, planned under `settings`, in one round trip."""
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    before = [f"SET LOCAL {name} = {value}" for name, value in settings.items()]
    # Outside a transaction the statements run as one, and SET LOCAL ends with it; inside
    # one (a caller's atomic block, a test) the defaults are put back after the query.
    after = [f"SET LOCAL {name} TO DEFAULT" for name in settings]
    with connection.cursor() as cursor:
        cursor.execute("; ".join([*before, sql, *after]), params)
        while cursor.description is None and cursor.nextset():
            pass
        return [pk for (pk,) in cursor.fetchall()]


def candidate_ids(matching: QuerySet[Post], *, limit: int | None = None) -> list[int]:
    """At most `limit` (`CANDIDATES`) ids of `matching` posts to rank.

    Matches among the newest `RECENT_POSTS` posts come first, newest first (the window
    bounds a walk down the recency index, which stops after `limit` matches). When they
    hold fewer, older matches fill the set as the GIN index yields them, in no particular
    order. A word in more than about `GIN_SAMPLE` posts is looked up in a random sample
    of them. So the rows read stay bounded, whether a word is everywhere, missing from
    recent posts, or in a handful of posts.
    """
    limit = CANDIDATES if limit is None else limit
    newest_first = matching.order_by("-published_at", "-pk").values_list("pk", flat=True)
    start = recent_window_start()
    if start is None:
        return list(newest_first[:limit])
    ids = _fetch_planned(newest_first.filter(published_at__gte=start)[:limit], _SAMPLED)
    if len(ids) < limit:
        older = matching.filter(published_at__lt=start).order_by().values_list("pk", flat=True)
        ids += _fetch_planned(older[: limit - len(ids)], _SAMPLED_BITMAP_ONLY)
    return ids


def search_posts(
    user: User,
    query: str,
    *,
    community: Community | None = None,
    kind: str | None = None,
    outcome: str | None = None,
    tag: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Posts `user` may read that match `query`, best first, with highlighted text.

    Only a bounded set of matches is ranked (`candidate_ids`), so a common word costs
    about what a rare one does. Each result carries `rank`, `title_html` and
    `snippet_html` (safe HTML whose only tags are <mark>), and only the fields a result
    shows are read. Four or five queries: where the recent posts begin, the candidates
    (the recent ones, then, if they are too few, older ones), the ranked page with its
    snippets, and its topics.
    """
    query = (query or "").strip()
    offset = max(offset, 0)
    page = SearchPage(query=query, offset=offset, limit=limit)
    if not query:
        return page
    tsquery = websearch_query(query)
    matching = _filtered(
        Post.objects.visible_to(user).filter(search_vector=tsquery),
        community=community,
        kind=kind,
        outcome=outcome,
        tag=tag,
    )
    candidates = candidate_ids(matching)
    if not candidates:
        return page
    rank = relevance(tsquery)
    ordering = ("-rank", "-published_at", "-pk")
    page_ids = (
        Post.objects.filter(pk__in=candidates)
        .annotate(rank=rank)
        .order_by(*ordering)
        .values("pk")[offset : offset + limit + 1]
    )
    # Headlines are costly, so they are computed in an outer query over one page only.
    results = list(
        Post.objects.filter(pk__in=page_ids)
        .only(*RESULT_FIELDS)
        .annotate(rank=rank, **_headlines(tsquery))
        .order_by(*ordering)
        .select_related("community", "author")
        .prefetch_related("tags")
    )
    page.has_more = len(results) > limit
    page.results = results[:limit]
    for post in page.results:
        post.title_html = highlight(post.title_headline)
        post.snippet_html = highlight(post.snippet_headline)
    return page


def similar_query(title: str) -> SearchQuery | None:
    """Any of the title's words (stop words drop out in the English configuration)."""
    words = [w for w in _WORD.findall(title.lower()) if w not in _OPERATOR_WORDS and len(w) > 1]
    if not words:
        return None
    return websearch_query(" or ".join(dict.fromkeys(words)))


def similar_experiences(
    user: User, title: str, *, community: Community | None = None, limit: int = 5
) -> list[Post]:
    """Published experiences `user` may read that resemble a title being typed.

    Experiences from `community` come first; then the best matches from the others.
    """
    title = (title or "").strip()
    if len(title) < SIMILAR_MIN_LENGTH:
        return []
    tsquery = similar_query(title)
    if tsquery is None:
        return []
    matching = Post.objects.visible_to(user).filter(
        kind=Post.Kind.EXPERIENCE, search_vector=tsquery
    )
    candidates = candidate_ids(matching, limit=SIMILAR_CANDIDATES)
    if not candidates:
        return []
    ordering = ["-rank", "-published_at"]
    posts = Post.objects.filter(pk__in=candidates).annotate(rank=relevance(tsquery))
    if community is not None:
        posts = posts.annotate(
            here=Case(When(community=community, then=1), default=0, output_field=IntegerField())
        )
        ordering.insert(0, "-here")
    posts = posts.only(*SIMILAR_FIELDS).select_related("community")
    return list(posts.order_by(*ordering)[:limit])
