"""The playbook's figures for the community health dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from communities.models import Community
from practices.models import Post

from .models import PlaybookPage


@dataclass(frozen=True)
class PlaybookHealth:
    pages: int
    with_evidence: int

    @property
    def without_evidence(self) -> int:
        return self.pages - self.with_evidence

    @property
    def evidence_percent(self) -> int:
        return round(100 * self.with_evidence / self.pages) if self.pages else 0


def playbook_health(community: Community) -> PlaybookHealth:
    """How many pages the playbook has and how many are backed by evidence (at least
    one published experience that nobody hid), in one query."""
    evidence = PlaybookPage.evidence.through.objects.filter(
        playbookpage_id=OuterRef("pk"),
        post__status=Post.Status.PUBLISHED,
        post__hidden_at__isnull=True,
    )
    counts = (
        PlaybookPage.objects.filter(community=community)
        .annotate(backed=Exists(evidence))
        .aggregate(pages=Count("pk"), with_evidence=Count("pk", filter=Q(backed=True)))
    )
    return PlaybookHealth(pages=counts["pages"], with_evidence=counts["with_evidence"])
