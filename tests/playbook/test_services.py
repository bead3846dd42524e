"""Writing the playbook: pages and their revisions, restore, proposals, promoted lessons."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from members.models import Notification, NotificationKind
from practices.playbook import services
from practices.playbook.models import PlaybookPage, PlaybookProposal, PlaybookRevision
from tests.factories import CommunityFactory, PostFactory


def test_a_new_page_is_its_first_revision_with_rendered_text_and_evidence(
    handbook_page, facilitator, experience
):
    revision = handbook_page.revisions.get()

    assert (revision.number, revision.author, revision.note) == (1, facilitator, "First version")
    assert handbook_page.revision_number == 1
    assert handbook_page.slug == "handover-checklist"
    assert '<h3 id="section-before">Before</h3>' in handbook_page.body_html
    assert '<h4 id="section-then">Then</h4>' in handbook_page.body_html
    assert list(handbook_page.evidence.all()) == [experience]


def test_editing_adds_a_revision_and_keeps_the_address(handbook_page, core):
    revision = services.page_edit(
        page=handbook_page, by=core, title="Handover list", body="Count the beds twice."
    )

    handbook_page.refresh_from_db()
    assert revision.number == 2 and revision.author == core
    assert handbook_page.title == "Handover list"
    assert handbook_page.slug == "handover-checklist"
    assert list(handbook_page.revisions.values_list("number", flat=True)) == [2, 1]


def test_saving_the_same_text_adds_no_revision(handbook_page, facilitator):
    result = services.page_edit(
        page=handbook_page, by=facilitator, title=handbook_page.title, body=handbook_page.body
    )

    assert result is None
    assert handbook_page.revisions.count() == 1


def test_restoring_adds_a_new_revision_and_never_rewrites_history(handbook_page, facilitator):
    first_body = handbook_page.body
    services.page_edit(page=handbook_page, by=facilitator, title="Changed", body="Other text")

    restored = services.page_restore(page=handbook_page, by=facilitator, number=1)

    handbook_page.refresh_from_db()
    assert restored.number == 3
    assert restored.restored_from.number == 1
    assert (handbook_page.title, handbook_page.body) == ("Handover checklist", first_body)
    assert list(handbook_page.revisions.values_list("number", "title")) == [
        (3, "Handover checklist"),
        (2, "Changed"),
        (1, "Handover checklist"),
    ]


def test_restoring_the_current_version_is_refused(handbook_page, facilitator):
    with pytest.raises(ValidationError):
        services.page_restore(page=handbook_page, by=facilitator, number=1)


@pytest.mark.parametrize("role", ["member", "outsider", "staff"])
def test_only_the_team_writes_pages(request, community, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.page_create(community=community, by=user, title="Mine", body="")
    assert not PlaybookPage.objects.exists()


def test_archived_communities_keep_their_playbook_read_only(handbook_page, facilitator, community):
    community.stage = community.Stage.ARCHIVED
    community.save()

    with pytest.raises(PermissionDenied):
        services.page_edit(page=handbook_page, by=facilitator, title="Late", body="")


def test_evidence_is_limited_to_experiences_of_the_same_community(community, facilitator, member):
    elsewhere = PostFactory(community=CommunityFactory(), author=member)
    challenge = PostFactory(community=community, author=member, challenge=True)

    for post in (elsewhere, challenge):
        with pytest.raises(ValidationError):
            services.page_create(
                community=community, by=facilitator, title="Mixed", body="", evidence=[post]
            )


def test_addresses_are_unique_and_never_a_playbook_path(community, facilitator):
    first = services.page_create(community=community, by=facilitator, title="Proposals", body="")
    second = services.page_create(community=community, by=facilitator, title="Proposals", body="")

    assert (first.slug, second.slug) == ("proposals-2", "proposals-3")
    assert (first.position, second.position) == (0, 1)


def test_pages_move_up_and_down(community, facilitator):
    a, b = (
        services.page_create(community=community, by=facilitator, title=t, body="")
        for t in ("A", "B")
    )

    services.page_move(page=b, by=facilitator, direction=-1)

    assert list(PlaybookPage.objects.in_order().values_list("title", flat=True)) == ["B", "A"]


def test_an_accepted_proposal_is_a_revision_credited_to_the_proposer(
    handbook_page, member, facilitator
):
    proposal = services.proposal_create(
        community=handbook_page.community,
        by=member,
        page=handbook_page,
        title=handbook_page.title,
        body="Count the beds. Then the patients.",
        note="We forgot the patients",
    )

    revision = services.proposal_accept(proposal=proposal, by=facilitator)

    proposal.refresh_from_db()
    handbook_page.refresh_from_db()
    assert (revision.author, revision.accepted_by, revision.number) == (member, facilitator, 2)
    assert handbook_page.body == "Count the beds. Then the patients."
    assert proposal.status == PlaybookProposal.Status.ACCEPTED and proposal.revision == revision
    told = Notification.objects.get(recipient=member)
    assert told.kind == NotificationKind.PLAYBOOK and "accepted" in told.summary
    with pytest.raises(ValidationError):
        services.proposal_accept(proposal=proposal, by=facilitator)


def test_a_proposed_new_page_becomes_a_page_by_the_proposer(community, member, facilitator):
    proposal = services.proposal_create(
        community=community, by=member, title="Night shift", body="Sleep before."
    )

    revision = services.proposal_accept(proposal=proposal, by=facilitator)

    assert revision.page.title == "Night shift" and revision.page.created_by == member
    assert revision.accepted_by == facilitator


def test_a_declined_proposal_tells_the_proposer_why(handbook_page, member, facilitator):
    proposal = services.proposal_create(
        community=handbook_page.community,
        by=member,
        page=handbook_page,
        title="Shorter",
        body="Nothing.",
    )
    with pytest.raises(ValidationError):
        services.proposal_decline(proposal=proposal, by=facilitator, reason=" ")

    services.proposal_decline(proposal=proposal, by=facilitator, reason="Too short")

    proposal.refresh_from_db()
    assert proposal.status == PlaybookProposal.Status.DECLINED
    assert "Too short" in Notification.objects.get(recipient=member).summary
    assert PlaybookRevision.objects.filter(page=handbook_page).count() == 1


@pytest.mark.parametrize("role", ["core", "member"])
def test_only_facilitators_decide_on_proposals(request, handbook_page, member, role):
    proposal = services.proposal_create(
        community=handbook_page.community, by=member, page=handbook_page, title="X", body="Y"
    )
    with pytest.raises(PermissionDenied):
        services.proposal_accept(proposal=proposal, by=request.getfixturevalue(role))


def test_the_team_edits_instead_of_proposing(community, core, outsider):
    for user in (core, outsider):
        with pytest.raises(PermissionDenied):
            services.proposal_create(community=community, by=user, title="X", body="Y")


def test_a_lesson_becomes_a_page_with_its_post_as_evidence_once(community, facilitator, experience):
    page, created = services.lesson_promote(post=experience, by=facilitator)
    again, created_again = services.lesson_promote(post=experience, by=facilitator)

    assert created and not created_again and again == page
    assert page.title == "Bedside handover"
    assert page.from_lesson == experience
    assert list(page.evidence.all()) == [experience]
    assert experience.learned in page.body


def test_a_challenge_has_no_lesson_to_promote(community, facilitator, member):
    challenge = PostFactory(community=community, author=member, challenge=True)
    with pytest.raises(ValidationError):
        services.lesson_promote(post=challenge, by=facilitator)


def test_a_hidden_posts_lesson_is_neither_promoted_nor_evidence(community, facilitator, experience):
    # The facilitators still see the hidden post; the page's readers would not.
    experience.hidden_at = experience.published_at
    experience.save()
    with pytest.raises(ValidationError, match="hidden"):
        services.lesson_promote(post=experience, by=facilitator)
    assert experience not in services.evidence_choices(community, facilitator)
    with pytest.raises(ValidationError):
        services.page_create(
            community=community, by=facilitator, title="Copy", body="x", evidence=[experience]
        )
    assert not PlaybookPage.objects.filter(community=community).exists()


def test_promoting_a_lesson_is_for_the_team(experience, member):
    with pytest.raises(PermissionDenied):
        services.lesson_promote(post=experience, by=member)


def test_a_proposal_is_written_against_the_stored_version(handbook_page, facilitator, member):
    services.page_edit(page=handbook_page, by=facilitator, title="Renamed", body="Second")

    proposal = services.proposal_create(
        community=handbook_page.community, by=member, page=handbook_page, title="R", body="Third"
    )

    assert handbook_page.revision_number == 2 and handbook_page.title == "Renamed"
    assert proposal.base_number == 2


def test_each_revision_keeps_the_evidence_it_had(handbook_page, facilitator, community, experience):
    second = PostFactory(community=community, title="Handover at shift change")
    services.page_edit(
        page=handbook_page,
        by=facilitator,
        title=handbook_page.title,
        body="Count the beds twice.",
        evidence=[experience, second],
    )
    services.page_edit(
        page=handbook_page,
        by=facilitator,
        title=handbook_page.title,
        body="Count the beds three times.",
        evidence=[second],
    )

    evidence = {
        revision.number: set(revision.evidence.all()) for revision in handbook_page.revisions.all()
    }
    assert evidence == {1: {experience}, 2: {experience, second}, 3: {second}}


def test_changing_only_the_evidence_is_a_revision_of_its_own(handbook_page, facilitator, community):
    second = PostFactory(community=community, title="Handover at shift change")
    revision = services.page_edit(
        page=handbook_page,
        by=facilitator,
        title=handbook_page.title,
        body=handbook_page.body,
        evidence=[second],
    )

    assert revision is not None and revision.number == 2
    assert revision.note == "Evidence changed"
    assert list(revision.evidence.all()) == [second]
    # The same evidence again changes nothing.
    assert (
        services.page_edit(
            page=handbook_page,
            by=facilitator,
            title=handbook_page.title,
            body=handbook_page.body,
            evidence=[second],
        )
        is None
    )


def test_restoring_brings_back_the_evidence_the_restorer_may_still_choose(
    handbook_page, facilitator, community, experience
):
    gone = PostFactory(community=community, title="Handover we later hid")
    services.page_edit(
        page=handbook_page,
        by=facilitator,
        title=handbook_page.title,
        body="With two experiences.",
        evidence=[experience, gone],
    )
    services.page_edit(
        page=handbook_page, by=facilitator, title="Changed", body="Other text", evidence=[]
    )
    gone.status = gone.Status.DELETED
    gone.save()

    restored = services.page_restore(page=handbook_page, by=facilitator, number=2)

    assert list(restored.evidence.all()) == [experience]
    assert list(handbook_page.evidence.all()) == [experience]
