"""The door to playbook pages: through the community's content door, as posts.

What a person may not read is the same 404 as what does not exist; each function
returns what it checked, with the viewer's membership looked up once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from communities.access import access_community
from communities.models import Community, Membership
from config.permissions import can
from practices.models import Post
from practices.permissions import check_can_read_playbook_proposals

from .models import PlaybookPage, PlaybookProposal, PlaybookRevision

if TYPE_CHECKING:
    from members.models import User


def access_playbook(user: User, slug: str) -> tuple[Community, Membership | None]:
    """The community whose playbook `user` may read (its content door), else 404."""
    return access_community(user, slug, to="read")


def access_page(user: User, slug: str, page_slug: str) -> tuple[PlaybookPage, Membership | None]:
    """The page `page_slug` of community `slug` if `user` may read it, else 404."""
    community, membership = access_playbook(user, slug)
    page = PlaybookPage.objects.filter(community=community, slug=page_slug).first()
    if page is None:
        raise Http404
    page.community = community
    return page, membership


def access_revision(
    user: User, slug: str, page_slug: str, number: int
) -> tuple[PlaybookRevision, Membership | None]:
    page, membership = access_page(user, slug, page_slug)
    revision = (
        PlaybookRevision.objects.filter(page=page, number=number).select_related("author").first()
    )
    if revision is None:
        raise Http404
    revision.page = page
    return revision, membership


def proposals_visible_to(
    user: User, community: Community, membership: Membership | None
) -> QuerySet[PlaybookProposal]:
    """The proposals of `community` that `user` may open: all of them for its active
    facilitators (who decide on them), otherwise their own."""
    proposals = PlaybookProposal.objects.filter(community=community)
    if can(check_can_read_playbook_proposals, user, community, membership):
        return proposals
    if not user.is_authenticated:
        return proposals.none()
    return proposals.filter(proposer=user)


def access_proposal(user: User, slug: str, pk: int) -> tuple[PlaybookProposal, Membership | None]:
    """A proposal its proposer or a facilitator may open, else 404."""
    community, membership = access_playbook(user, slug)
    proposal = (
        proposals_visible_to(user, community, membership)
        .filter(pk=pk)
        .select_related("page", "proposer", "decided_by")
        .first()
    )
    if proposal is None:
        raise Http404
    proposal.community = community
    if proposal.page is not None:
        proposal.page.community = community
    return proposal, membership


def readable_evidence(user: User, page: PlaybookPage) -> QuerySet[Post]:
    """The page's evidence that `user` may read, newest first."""
    return _readable_posts(user).filter(playbook_pages=page)


def readable_revision_evidence(user: User, revision: PlaybookRevision) -> QuerySet[Post]:
    """The evidence of one version of a page that `user` may read, newest first."""
    return _readable_posts(user).filter(pk__in=revision.evidence.values("pk"))


def _readable_posts(user: User) -> QuerySet[Post]:
    return (
        Post.objects.visible_to(user)
        .select_related("community", "author")
        .only(
            "title",
            "outcome",
            "published_at",
            "shared_without_name",
            "community__slug",
            "community__name",
            "author__display_name",
        )
        .order_by("-published_at", "-pk")
    )
