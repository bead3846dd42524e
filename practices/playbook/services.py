"""Writes to the playbook: pages, their revisions, proposals and promoted lessons.

Every write that changes a page's content adds a revision; revisions are never changed
or removed, so restoring an old version adds a new one with its content.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _

from communities.models import Community
from members import notifications
from practices.models import Post
from practices.permissions import (
    check_can_decide_playbook_proposal,
    check_can_edit_playbook,
    check_can_propose_playbook_change,
)

from .models import PlaybookPage, PlaybookProposal, PlaybookRevision
from .rendering import render_page_body

if TYPE_CHECKING:
    from members.models import User

# Path segments of the playbook's own pages: never a page's address.
RESERVED_SLUGS = frozenset({"new", "propose", "proposals", "evidence", "preview"})


def evidence_choices(community: Community, user: User) -> QuerySet[Post]:
    """The posts that may be evidence on a page of `community`, as `user` sees them:
    experiences of that community they may read and every reader of the page sees (a
    hidden post is no one's evidence, even for the facilitators who still see it)."""
    return (
        Post.objects.visible_to(user)
        .seen_by_every_reader()
        .filter(community=community, kind=Post.Kind.EXPERIENCE)
    )


def _unique_slug(community: Community, title: str) -> str:
    base = slugify(title)[:70].strip("-") or "page"
    taken = set(
        PlaybookPage.objects.filter(community=community, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    candidate, n = base, 2
    while candidate in taken or candidate in RESERVED_SLUGS:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _clean(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").replace("\r\n", "\n").strip()
    if not title:
        raise ValidationError(_("Give the page a title."))
    if len(title) > PlaybookPage.TITLE_MAX_CHARS or len(body) > PlaybookPage.BODY_MAX_CHARS:
        raise ValidationError(_("This page is too long."))
    return title, body


def _set_evidence(page: PlaybookPage, evidence: Iterable[Post] | None, by: User) -> None:
    """Replace the evidence with `evidence`: only published experiences of the page's
    community that `by` may read count. Posts `by` cannot read stay linked as they were:
    an editor never removes what they cannot see."""
    if evidence is None:
        return
    allowed = evidence_choices(page.community, by)
    wanted = set(allowed.filter(pk__in=[p.pk for p in evidence]).values_list("pk", flat=True))
    if len(wanted) != len({p.pk for p in evidence}):
        raise ValidationError(_("Evidence must be experiences shared in this community."))
    unseen = set(page.evidence.exclude(pk__in=allowed.values("pk")).values_list("pk", flat=True))
    page.evidence.set(wanted | unseen)


def _add_revision(
    page: PlaybookPage,
    *,
    author: User,
    note: str = "",
    accepted_by: User | None = None,
    restored_from: PlaybookRevision | None = None,
) -> PlaybookRevision:
    """The page as it is now (its evidence set already) becomes its next revision."""
    page.revision_number += 1
    page.body_html = render_page_body(page.body)
    page.updated_by = accepted_by or author
    page.updated_at = timezone.now()
    page.save()
    revision = PlaybookRevision.objects.create(
        page=page,
        number=page.revision_number,
        title=page.title,
        body=page.body,
        author=author,
        accepted_by=accepted_by,
        note=Truncator((note or "").strip()).chars(300),
        restored_from=restored_from,
        created_at=page.updated_at,
    )
    revision.evidence.set(list(page.evidence.values_list("pk", flat=True)))
    return revision


def _create(
    *,
    community: Community,
    title: str,
    body: str,
    author: User,
    evidence: Iterable[Post] | None,
    note: str,
    accepted_by: User | None = None,
    from_lesson: Post | None = None,
) -> PlaybookPage:
    title, body = _clean(title, body)
    # Lock the community so two new pages never get the same position or address.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    last = PlaybookPage.objects.filter(community=community).aggregate(n=Max("position"))["n"]
    page = PlaybookPage(
        community=community,
        title=title,
        slug=_unique_slug(community, title),
        body=body,
        position=0 if last is None else last + 1,
        from_lesson=from_lesson,
        created_by=author,
    )
    page.save()
    _set_evidence(page, evidence, accepted_by or author)
    _add_revision(page, author=author, note=note, accepted_by=accepted_by)
    return page


def _locked(page: PlaybookPage) -> PlaybookPage:
    locked = PlaybookPage.objects.select_for_update().get(pk=page.pk)
    locked.community = page.community
    return locked


_WRITTEN_FIELDS = ("title", "body", "body_html", "revision_number", "updated_at", "updated_by_id")


def _sync(page: PlaybookPage, written: PlaybookPage) -> None:
    """The caller's copy of a page shows what was written to the locked row."""
    for name in _WRITTEN_FIELDS:
        setattr(page, name, getattr(written, name))


@transaction.atomic
def page_create(
    *,
    community: Community,
    by: User,
    title: str,
    body: str,
    evidence: Iterable[Post] | None = None,
    note: str = "",
) -> PlaybookPage:
    """A new page at the end of the playbook, as its first revision."""
    check_can_edit_playbook(by, community)
    return _create(
        community=community, title=title, body=body, author=by, evidence=evidence, note=note
    )


@transaction.atomic
def page_edit(
    *,
    page: PlaybookPage,
    by: User,
    title: str,
    body: str,
    evidence: Iterable[Post] | None = None,
    note: str = "",
) -> PlaybookRevision | None:
    """Change a page; a new revision when its title, text or evidence changed (None
    otherwise). The address stays, so links to the page keep working."""
    check_can_edit_playbook(by, page.community)
    title, body = _clean(title, body)
    locked = _locked(page)
    before = set(locked.evidence.values_list("pk", flat=True))
    _set_evidence(locked, evidence, by)
    text_unchanged = (title, body) == (locked.title, locked.body)
    if text_unchanged and before == set(locked.evidence.values_list("pk", flat=True)):
        return None
    if text_unchanged and not note.strip():
        note = _("Evidence changed")
    locked.title, locked.body = title, body
    revision = _add_revision(locked, author=by, note=note)
    _sync(page, locked)
    return revision


@transaction.atomic
def page_restore(*, page: PlaybookPage, by: User, number: int) -> PlaybookRevision:
    """Bring back revision `number`'s title, text and evidence as a new revision; history
    stays. Evidence the restorer can no longer choose (a post hidden or deleted since)
    is not brought back; evidence they cannot see stays as it is."""
    check_can_edit_playbook(by, page.community)
    locked = _locked(page)
    old = PlaybookRevision.objects.filter(page=locked, number=number).first()
    if old is None:
        raise ValidationError(_("There is no such version of this page."))
    if number == locked.revision_number:
        raise ValidationError(_("This is already the current version."))
    locked.title, locked.body = old.title, old.body
    choosable = evidence_choices(locked.community, by).filter(pk__in=old.evidence.values("pk"))
    _set_evidence(locked, list(choosable), by)
    note = _("Restored version %(number)d") % {"number": number}
    revision = _add_revision(locked, author=by, note=note, restored_from=old)
    _sync(page, locked)
    return revision


@transaction.atomic
def page_move(*, page: PlaybookPage, by: User, direction: int) -> None:
    """Swap a page with its neighbour above (`direction` -1) or below (+1)."""
    check_can_edit_playbook(by, page.community)
    Community.objects.select_for_update().filter(pk=page.community_id).first()
    pages = list(PlaybookPage.objects.filter(community_id=page.community_id).in_order())
    index = next(i for i, p in enumerate(pages) if p.pk == page.pk)
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(pages):
        return
    pages[index], pages[other] = pages[other], pages[index]
    for position, item in enumerate(pages):
        if item.position != position:
            PlaybookPage.objects.filter(pk=item.pk).update(position=position)


@transaction.atomic
def lesson_promote(*, post: Post, by: User) -> tuple[PlaybookPage, bool]:
    """A playbook page from the lesson of an experience post, with the post as its
    evidence; (page, created). Safe to run twice: a lesson already in the playbook
    gives its page."""
    community = post.community
    check_can_edit_playbook(by, community)
    if post.kind != Post.Kind.EXPERIENCE or not post.is_published or not post.learned.strip():
        raise ValidationError(_("Only the lesson of a published experience goes in the playbook."))
    if not Post.objects.seen_by_every_reader().filter(pk=post.pk).exists():
        raise ValidationError(_("A hidden post's lesson does not go in the playbook."))
    Community.objects.select_for_update().filter(pk=community.pk).first()
    existing = PlaybookPage.objects.filter(community=community, from_lesson=post).first()
    if existing is not None:
        return existing, False
    parts = [post.learned.strip()]
    if post.recommend.strip():
        parts += ["## " + _("What we recommend"), post.recommend.strip()]
    page = _create(
        community=community,
        title=post.title,
        body="\n\n".join(parts),
        author=by,
        evidence=[post],
        note=_("From the lesson of “%(title)s”") % {"title": post.title},
        from_lesson=post,
    )
    return page, True


# --- Proposals -------------------------------------------------------------------------


@transaction.atomic
def proposal_create(
    *,
    community: Community,
    by: User,
    title: str,
    body: str,
    note: str = "",
    page: PlaybookPage | None = None,
) -> PlaybookProposal:
    """A member proposes a change to `page`, or a new page when `page` is None."""
    check_can_propose_playbook_change(by, community)
    if page is not None and page.community_id != community.pk:
        raise ValidationError(_("This page belongs to another community."))
    title, body = _clean(title, body)
    if page is not None:
        page = _locked(page)  # the version the proposal is written against, as stored
        if (title, body) == (page.title, page.body):
            raise ValidationError(_("Your proposal is the same as the current page."))
    return PlaybookProposal.objects.create(
        community=community,
        page=page,
        base_number=page.revision_number if page else 0,
        proposer=by,
        title=title,
        body=body,
        note=Truncator((note or "").strip()).chars(300),
    )


def _claim(proposal: PlaybookProposal, by: User) -> PlaybookProposal:
    check_can_decide_playbook_proposal(by, proposal.community)
    locked = PlaybookProposal.objects.select_for_update().get(pk=proposal.pk)
    if not locked.is_open:
        raise ValidationError(_("This proposal was already decided."))
    locked.community = proposal.community
    return locked


@transaction.atomic
def proposal_accept(*, proposal: PlaybookProposal, by: User) -> PlaybookRevision:
    """A facilitator accepts: the proposal becomes a new revision (or a new page)
    credited to the proposer and accepted by the facilitator; the proposer hears
    about it."""
    proposal = _claim(proposal, by)
    note = proposal.note
    if proposal.page_id is None:
        page = _create(
            community=proposal.community,
            title=proposal.title,
            body=proposal.body,
            author=proposal.proposer,
            evidence=None,
            note=note,
            accepted_by=by,
        )
        revision = page.revisions.get(number=page.revision_number)
    else:
        page = _locked(proposal.page)
        page.title, page.body = proposal.title, proposal.body
        revision = _add_revision(page, author=proposal.proposer, note=note, accepted_by=by)
    proposal.page = page
    proposal.status = PlaybookProposal.Status.ACCEPTED
    proposal.decided_by, proposal.decided_at = by, timezone.now()
    proposal.revision = revision
    proposal.save()
    notifications.notify_playbook_decision(proposal, accepted=True, by=by)
    return revision


@transaction.atomic
def proposal_decline(*, proposal: PlaybookProposal, by: User, reason: str) -> None:
    """A facilitator declines, saying why; the proposer hears the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why, so the member can learn from it."))
    proposal = _claim(proposal, by)
    proposal.status = PlaybookProposal.Status.DECLINED
    proposal.decided_by, proposal.decided_at = by, timezone.now()
    proposal.decision_reason = Truncator(reason).chars(300)
    proposal.save()
    notifications.notify_playbook_decision(proposal, accepted=False, by=by)
