"""The playbook's pages for each role: reading through the content door, writing for the
team, proposing for members, history with a readable diff, restore, promoted lessons."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from practices.playbook import services
from practices.playbook.models import PlaybookPage, PlaybookProposal
from tests.factories import PostFactory
from tests.staff import login_with_mfa

ROLES = ["anonymous", "outsider", "member", "core", "facilitator", "staff"]


def _sign_in(client, request, role):
    if role == "staff":
        login_with_mfa(client, request.getfixturevalue("staff"))
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def page_url(page, name="playbook:page", *args):
    return reverse(name, args=[page.community.slug, page.slug, *args])


# (role) -> status, in a members-only community
READ = {"anonymous": 404, "outsider": 404, "member": 200, "core": 200, "facilitator": 200}
READ["staff"] = 200


@pytest.mark.parametrize("role", ROLES)
def test_pages_history_and_diffs_follow_the_content_door(client, request, handbook_page, role):
    _sign_in(client, request, role)
    urls = [
        reverse("playbook:index", args=[handbook_page.community.slug]),
        page_url(handbook_page),
        page_url(handbook_page, "playbook:history"),
        page_url(handbook_page, "playbook:revision", 1),
    ]
    assert [client.get(u).status_code for u in urls] == [READ[role]] * 4


@pytest.mark.parametrize(
    ("role", "edit", "propose"),
    [
        ("outsider", 404, 404),
        ("member", 403, 200),
        ("core", 200, 403),
        ("facilitator", 200, 403),
        ("staff", 403, 403),
    ],
)
def test_the_team_edits_and_members_propose(client, request, handbook_page, role, edit, propose):
    _sign_in(client, request, role)
    assert client.get(page_url(handbook_page, "playbook:edit")).status_code == edit
    assert client.get(page_url(handbook_page, "playbook:propose")).status_code == propose


@pytest.mark.parametrize("role", ["member", "core", "facilitator", "staff"])
def test_the_buttons_shown_match_what_the_services_allow(client, request, handbook_page, role):
    """One rule, two forms: the page shows Edit / Propose exactly when the service lets
    the person do it."""
    _sign_in(client, request, role)
    html = client.get(page_url(handbook_page)).content.decode()
    user = request.getfixturevalue(role)

    may_edit = may_propose = True
    try:
        services.page_edit(page=handbook_page, by=user, title="Edited by " + role, body="x")
    except (PermissionDenied, ValidationError):
        may_edit = False
    try:
        services.proposal_create(
            community=handbook_page.community, by=user, page=handbook_page, title="P", body="p"
        )
    except (PermissionDenied, ValidationError):
        may_propose = False

    assert (page_url(handbook_page, "playbook:edit") in html) == may_edit
    assert (page_url(handbook_page, "playbook:propose") in html) == may_propose
    assert may_edit or may_propose or role == "staff"


def test_a_page_shows_its_contents_and_the_experiences_it_is_based_on(
    client, handbook_page, member, experience
):
    client.force_login(member)

    html = client.get(page_url(handbook_page)).content.decode()

    assert "Based on 1 experience" in html
    assert experience.get_absolute_url() in html
    assert 'href="#section-before"' in html and 'href="#section-then"' in html
    assert 'id="section-before"' in html


def test_evidence_the_viewer_cannot_read_is_not_shown(client, handbook_page, core, experience):
    experience.hidden_at = experience.published_at
    experience.save()
    client.force_login(core)

    html = client.get(page_url(handbook_page)).content.decode()

    assert "Not yet linked to experiences" in html
    assert experience.title not in html


def test_the_diff_marks_added_and_removed_words(client, handbook_page, facilitator):
    services.page_edit(
        page=handbook_page,
        by=facilitator,
        title=handbook_page.title,
        body=handbook_page.body.replace("Count the beds.", "Count the empty beds."),
    )
    client.force_login(facilitator)

    html = client.get(page_url(handbook_page, "playbook:revision", 2)).content.decode()

    assert '<ins><span class="visually-hidden">added: </span>empty </ins>' in html
    assert "1 line added" in html and "1 line removed" in html
    assert "Restore version 2" not in html  # the current version


def test_a_facilitator_restores_an_old_version_from_its_page(client, handbook_page, facilitator):
    services.page_edit(page=handbook_page, by=facilitator, title="Changed", body="New")
    client.force_login(facilitator)
    url = page_url(handbook_page, "playbook:revision", 1)
    assert "Restore version 1" in client.get(url).content.decode()

    response = client.post(page_url(handbook_page, "playbook:restore", 1))

    handbook_page.refresh_from_db()
    assert response.status_code == 302
    assert (handbook_page.title, handbook_page.revision_number) == ("Handover checklist", 3)


def test_members_cannot_restore(client, handbook_page, facilitator, member):
    services.page_edit(page=handbook_page, by=facilitator, title="Changed", body="New")
    client.force_login(member)

    response = client.post(page_url(handbook_page, "playbook:restore", 1))

    handbook_page.refresh_from_db()
    assert response.status_code == 403 and handbook_page.revision_number == 2


def test_creating_a_page_with_evidence_through_the_form(client, community, facilitator, experience):
    client.force_login(facilitator)

    response = client.post(
        reverse("playbook:create", args=[community.slug]),
        {"title": "Night shift", "body": "# Sleep\n\nFirst.", "evidence": [experience.pk]},
    )

    created = PlaybookPage.objects.get(title="Night shift")
    assert response.status_code == 302 and response.url == created.get_absolute_url()
    assert list(created.evidence.all()) == [experience]


def test_the_preview_button_renders_without_saving(client, community, facilitator):
    client.force_login(facilitator)

    response = client.post(
        reverse("playbook:create", args=[community.slug]),
        {"title": "Night shift", "body": "**Sleep** first.", "action": "preview"},
    )

    assert "<strong>Sleep</strong>" in response.content.decode()
    assert not PlaybookPage.objects.exists()


def test_the_evidence_search_offers_matching_experiences_only(
    client, community, facilitator, experience
):
    from tests.factories import PostFactory

    PostFactory(community=community, author=facilitator, title="Medication round")
    client.force_login(facilitator)

    html = client.get(
        reverse("playbook:evidence", args=[community.slug]), {"q": "medication"}
    ).content.decode()

    assert "Medication round" in html and "Bedside handover" not in html


def test_a_member_proposes_and_a_facilitator_accepts(client, handbook_page, member, facilitator):
    client.force_login(member)
    client.post(
        page_url(handbook_page, "playbook:propose"),
        {"title": handbook_page.title, "body": "Count twice.", "note": "Safer"},
    )
    proposal = PlaybookProposal.objects.get()
    client.force_login(facilitator)
    queue = client.get(reverse("playbook:proposals", args=[handbook_page.community.slug]))
    assert proposal.get_absolute_url() in queue.content.decode()

    client.post(
        reverse("playbook:proposal_decide", args=[handbook_page.community.slug, proposal.pk]),
        {"action": "accept"},
    )

    html = client.get(page_url(handbook_page)).content.decode()
    assert "Count twice." in html
    assert f"proposed by {member.display_name}, accepted by {facilitator.display_name}" in html


def test_other_members_do_not_see_someone_elses_proposal(
    client, handbook_page, member, core, community
):
    from tests.factories import MembershipFactory

    proposal = services.proposal_create(
        community=community, by=member, page=handbook_page, title="X", body="Y"
    )
    other = MembershipFactory(community=community).user
    for user, status in ((member, 200), (other, 404), (core, 404)):
        client.force_login(user)
        assert client.get(proposal.get_absolute_url()).status_code == status


def test_the_team_adds_a_lesson_from_the_library_in_one_step(
    client, community, facilitator, member, experience
):
    experience.tags.set(["handover"])
    client.force_login(member)
    assert (
        reverse("playbook:promote", args=[experience.pk])
        not in client.get(reverse("practices:lessons")).content.decode()
    )
    client.force_login(facilitator)
    library = client.get(reverse("practices:lessons")).content.decode()
    assert reverse("playbook:promote", args=[experience.pk]) in library

    response = client.post(reverse("playbook:promote", args=[experience.pk]))

    created = PlaybookPage.objects.get()
    assert response.url == created.get_absolute_url()
    assert list(created.evidence.all()) == [experience]


def test_outsiders_cannot_promote_a_lesson_they_cannot_read(client, outsider, experience):
    client.force_login(outsider)

    assert client.post(reverse("playbook:promote", args=[experience.pk])).status_code == 404
    assert not PlaybookPage.objects.exists()


def test_the_playbook_tab_sits_next_to_the_posts(client, community, member):
    client.force_login(member)

    html = client.get(reverse("practices:feed", args=[community.slug])).content.decode()

    assert reverse("playbook:index", args=[community.slug]) in html


def test_an_empty_playbook_says_how_to_start(client, community, facilitator, member):
    client.force_login(facilitator)
    html = client.get(reverse("playbook:index", args=[community.slug])).content.decode()
    assert "No playbook pages yet" in html and "Write the first page" in html
    client.force_login(member)
    html = client.get(reverse("playbook:index", args=[community.slug])).content.decode()
    assert "Propose a page" in html


def test_the_index_lists_pages_in_order_in_a_fixed_number_of_queries(
    client, community, facilitator, django_assert_max_num_queries
):
    for n in range(3):
        services.page_create(community=community, by=facilitator, title=f"Page {n}", body="")
    client.force_login(facilitator)
    url = reverse("playbook:index", args=[community.slug])
    with django_assert_max_num_queries(12):
        small = client.get(url)
    for n in range(3, 20):
        services.page_create(community=community, by=facilitator, title=f"Page {n}", body="")
    with django_assert_max_num_queries(12):
        large = client.get(url)
    html = large.content.decode()
    assert small.status_code == 200
    assert html.index("Page 0") < html.index("Page 1") < html.index("Page 19")


@pytest.mark.parametrize("role", ["member", "core", "facilitator"])
def test_the_restore_button_is_shown_exactly_when_restoring_is_allowed(
    client, request, handbook_page, facilitator, role
):
    services.page_edit(page=handbook_page, by=facilitator, title="Changed", body="New")
    user = request.getfixturevalue(role)
    client.force_login(user)
    shown = (
        "Restore version 1"
        in client.get(page_url(handbook_page, "playbook:revision", 1)).content.decode()
    )

    try:
        services.page_restore(page=handbook_page, by=user, number=1)
    except (PermissionDenied, ValidationError):
        allowed = False
    else:
        allowed = True

    assert shown == allowed == (role != "member")


@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_the_decision_buttons_are_shown_exactly_when_deciding_is_allowed(
    client, request, handbook_page, member, role
):
    proposal = services.proposal_create(
        community=handbook_page.community, by=member, page=handbook_page, title="X", body="Y"
    )
    user = request.getfixturevalue(role)
    client.force_login(user)
    shown = "Your decision" in client.get(proposal.get_absolute_url()).content.decode()

    try:
        services.proposal_accept(proposal=proposal, by=user)
    except (PermissionDenied, ValidationError):
        allowed = False
    else:
        allowed = True

    assert shown == allowed == (role == "facilitator")


def test_a_page_costs_the_same_queries_with_more_evidence(client, community, facilitator, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import PostFactory

    posts = [PostFactory(community=community, author=member) for _ in range(12)]
    page = services.page_create(
        community=community, by=facilitator, title="Few", body="", evidence=posts[:2]
    )
    client.force_login(member)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page.get_absolute_url()).status_code == 200
        return len(queries)

    few = count()
    services.page_edit(page=page, by=facilitator, title="Many", body="", evidence=posts)
    assert count() == few <= 12


def test_a_version_lists_its_evidence_marked_against_the_one_before(
    client, handbook_page, facilitator, core, community, experience
):
    second = PostFactory(community=community, title="Handover at shift change")
    hidden = PostFactory(community=community, title="Handover nobody may read now")
    services.page_edit(
        page=handbook_page,
        by=facilitator,
        title=handbook_page.title,
        body=handbook_page.body,
        evidence=[second, hidden],
    )
    hidden.hidden_at = hidden.published_at
    hidden.save()
    client.force_login(core)

    html = client.get(page_url(handbook_page, "playbook:revision", 2)).content.decode()

    assert "Based on 1 experience in this version" in html
    assert (
        f'<ins><span class="visually-hidden">added: </span><a href="{second.get_absolute_url()}">'
        in html
    )
    assert (
        f'<del><span class="visually-hidden">removed: </span><a href="'
        f'{experience.get_absolute_url()}">' in html
    )
    # A post the reader may not read is in no version's list, added or removed.
    assert hidden.title not in html
    first = client.get(page_url(handbook_page, "playbook:revision", 1)).content.decode()
    assert "Based on 1 experience in this version" in first and experience.title in first
