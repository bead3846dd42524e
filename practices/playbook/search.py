"""Full-text search over playbook pages, through the same door as posts: only pages of
communities the viewer may read (`PlaybookPage.objects.visible_to`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.postgres.search import SearchHeadline, SearchRank
from django.db.models import F

from communities.models import Community
from practices.models import SEARCH_CONFIG
from practices.search import START_SEL, STOP_SEL, highlight, websearch_query

from .models import PlaybookPage

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

    from members.models import User

PLAYBOOK_RESULTS = 5
# Matches ranked at most: the newest updated ones (playbooks are small; this bounds it).
PLAYBOOK_CANDIDATES = 200


@dataclass(frozen=True)
class PlaybookHit:
    title: str
    url: str
    community_name: str
    snippet: SafeString


def search_playbook(
    user: User, text: str, *, community: Community | None = None, limit: int = PLAYBOOK_RESULTS
) -> list[PlaybookHit]:
    """The best matching pages `user` may read for `text`, with a highlighted snippet."""
    text = (text or "").strip()
    if not text:
        return []
    query = websearch_query(text)
    pages = PlaybookPage.objects.visible_to(user).filter(search_vector=query)
    if community is not None:
        pages = pages.filter(community=community)
    candidates = pages.order_by("-updated_at").values("pk")[:PLAYBOOK_CANDIDATES]
    options = {"config": SEARCH_CONFIG, "start_sel": START_SEL, "stop_sel": STOP_SEL}
    rows = (
        PlaybookPage.objects.filter(pk__in=candidates)
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            snippet=SearchHeadline("body", query, max_words=30, min_words=12, **options),
        )
        .select_related("community")
        .only("title", "slug", "community__slug", "community__name")
        .order_by("-rank", "-pk")[:limit]
    )
    return [
        PlaybookHit(
            title=row.title,
            url=row.get_absolute_url(),
            community_name=row.community.name,
            snippet=highlight(row.snippet),
        )
        for row in rows
    ]
