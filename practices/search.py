"""Full-text search over posts, always through `Post.objects.visible_to`.

Matching uses the stored, GIN-indexed `search_vector`. Ranking is the expensive part, so
only a bounded candidate set is ranked: the newest `CANDIDATES` matches. Highlighted
snippets are computed for one page of results only.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import nh3
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
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

CANDIDATES = 500
SIMILAR_CANDIDATES = 200
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

    Only the newest `CANDIDATES` matches are ranked, so a common word costs the same as a
    rare one. Each result carries `rank`, `title_html` and `snippet_html` (safe HTML whose
    only tags are <mark>). Two queries: the results, and their tags.
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
    candidates = matching.order_by("-published_at").values("pk")[:CANDIDATES]
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
        .annotate(rank=rank, **_headlines(tsquery))
        .order_by(*ordering)
        .with_list_related()
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
    candidates = (
        Post.objects.visible_to(user)
        .filter(kind=Post.Kind.EXPERIENCE, search_vector=tsquery)
        .order_by("-published_at")
        .values("pk")[:SIMILAR_CANDIDATES]
    )
    ordering = ["-rank", "-published_at"]
    posts = Post.objects.filter(pk__in=candidates).annotate(rank=relevance(tsquery))
    if community is not None:
        posts = posts.annotate(
            here=Case(When(community=community, then=1), default=0, output_field=IntegerField())
        )
        ordering.insert(0, "-here")
    return list(posts.order_by(*ordering).select_related("community")[:limit])
