"""A community's playbook, driven through the pages.

Fay, a facilitator, writes the first playbook page and links the experience it is based
on, edits it, reads the change in the page's history and restores the first version.
Mia, a member, proposes a change; Fay accepts it and the page credits Mia. Every page
of the journey is checked with axe-core, in English and German.
"""

import pytest
from playwright.sync_api import Page, expect

from practices.playbook.models import PlaybookPage, PlaybookProposal
from tests.browser.people import signed_in_context, snapshot
from tests.browser.test_accessibility import axe_violations
from tests.factories import CommunityFactory, MembershipFactory, PostFactory, UserFactory


def shot(page: Page, name: str) -> None:
    snapshot(page, "playbook", f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    snapshot(page, "playbook", f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.browser
def test_a_facilitator_writes_edits_and_restores_a_page_and_accepts_a_members_proposal(
    live_server, transactional_db, open_as
):
    fay = UserFactory(display_name="Fay Brennan")
    mia = UserFactory(display_name="Mia Okafor")
    community = CommunityFactory(name="Night shift circle", slug="night-shift")
    MembershipFactory(community=community, user=fay, facilitator=True)
    MembershipFactory(community=community, user=mia)
    PostFactory(community=community, author=mia, title="Bedside handover at 7")

    # Fay starts the playbook from its empty state, with the experience as evidence.
    fay_page = open_as(fay, "/c/night-shift/playbook/")
    expect(fay_page.get_by_role("heading", name="No playbook pages yet")).to_be_visible()
    fay_page.get_by_role("link", name="Write the first page").click()
    fay_page.get_by_label("Title").fill("Handover checklist")
    fay_page.locator("#id_body").fill("# Before\n\nCount the beds.\n\n# During\n\nRead the notes.")
    expect(fay_page.locator("#preview h3", has_text="Before")).to_be_visible()
    # The evidence picker filters as she types; Enter there does not send the form.
    search = fay_page.get_by_label("Search experiences")
    search.fill("bedside")
    search.press("Enter")
    expect(fay_page.get_by_role("heading", name="New playbook page")).to_be_visible()
    fay_page.get_by_label("Bedside handover at 7").check()
    fay_page.get_by_role("button", name="Add to the playbook").click()
    expect(fay_page.get_by_role("heading", name="Handover checklist", level=2)).to_be_visible()
    evidence = fay_page.get_by_role("region", name="Based on 1 experience")
    expect(evidence.get_by_role("link", name="Bedside handover at 7")).to_be_visible()
    contents = fay_page.get_by_role("navigation", name="On this page")
    contents.get_by_role("link", name="During").click()
    expect(fay_page).to_have_url(
        f"{live_server.url}/c/night-shift/playbook/handover-checklist/#section-during"
    )
    shot(fay_page, "page")

    # She edits it, then reads what changed.
    header = fay_page.locator(".playbook-page__header")
    header.get_by_role("link", name="Edit", exact=False).click()
    fay_page.locator("#id_body").fill(
        "# Before\n\nCount the empty beds.\n\n# During\n\nRead the notes."
    )
    fay_page.get_by_label("What changed").fill("Empty beds only")
    fay_page.get_by_role("button", name="Save changes").click()
    expect(fay_page.get_by_text("Saved as version 2.")).to_be_visible()
    fay_page.get_by_role("link", name="History").click()
    expect(fay_page.get_by_text("Empty beds only")).to_be_visible()
    fay_page.get_by_role("link", name="Version 2", exact=True).click()
    diff = fay_page.get_by_role("list", name="Changes to the text")
    expect(diff.locator("ins")).to_have_text("added: empty ")
    shot(fay_page, "diff")

    # She restores the first version: a third version, the history kept.
    fay_page.get_by_role("link", name="Previous version").click()
    fay_page.get_by_role("button", name="Restore version 1").click()
    expect(fay_page.get_by_text("Version 1 is back, as version 3.")).to_be_visible()
    expect(fay_page.get_by_text("Count the beds.")).to_be_visible()
    page = PlaybookPage.objects.get()
    assert page.revision_number == 3 and "empty" not in page.body

    # Mia proposes a change; Fay accepts it.
    mia_page = open_as(mia, "/c/night-shift/playbook/handover-checklist/")
    header = mia_page.locator(".playbook-page__header")
    expect(header.get_by_role("link", name="Edit", exact=False)).to_have_count(0)
    mia_page.get_by_role("link", name="Propose a change").click()
    mia_page.locator("#id_body").fill("# Before\n\nCount the beds and the patients.")
    mia_page.get_by_label("Why this change").fill("We forgot the patients")
    mia_page.get_by_role("button", name="Send the proposal").click()
    expect(mia_page.get_by_text("A facilitator will look at your proposal.")).to_be_visible()

    fay_page.goto(f"{live_server.url}/c/night-shift/playbook/")
    fay_page.get_by_role("link", name="1 open proposal").click()
    fay_page.get_by_role("link", name="Change to “Handover checklist”").click()
    expect(fay_page.get_by_text("We forgot the patients")).to_be_visible()
    shot(fay_page, "proposal")
    fay_page.get_by_role("button", name="Accept").click()
    expect(fay_page.get_by_text("Count the beds and the patients.")).to_be_visible()
    expect(
        fay_page.get_by_text("Version 4, proposed by Mia Okafor, accepted by Fay Brennan")
    ).to_be_visible()
    assert PlaybookProposal.objects.get().status == "accepted"


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "de"])
def test_playbook_pages_have_no_axe_violations(language, browser, live_server, transactional_db):
    from practices.playbook import services

    fay = UserFactory(display_name="Fay Brennan")
    mia = UserFactory(display_name="Mia Okafor")
    community = CommunityFactory(name="Night shift circle", slug="night-shift")
    MembershipFactory(community=community, user=fay, facilitator=True)
    MembershipFactory(community=community, user=mia)
    post = PostFactory(community=community, author=mia, title="Bedside handover at 7")
    page = services.page_create(
        community=community,
        by=fay,
        title="Handover checklist",
        body="# Before\n\nCount the beds.\n\n## Then\n\nRead.",
        evidence=[post],
    )
    services.page_edit(page=page, by=fay, title=page.title, body="# Before\n\nCount twice.")
    proposal = services.proposal_create(
        community=community, by=mia, page=page, title=page.title, body="Count three times."
    )
    base = "/c/night-shift/playbook"
    paths = [
        f"{base}/",
        f"{base}/handover-checklist/",
        f"{base}/handover-checklist/edit/",
        f"{base}/handover-checklist/history/",
        f"{base}/handover-checklist/history/2/",
        f"{base}/new/",
        f"{base}/proposals/",
        f"{base}/proposals/{proposal.pk}/",
        "/lessons/",
    ]
    context = signed_in_context(browser, live_server, fay, language=language, bypass_csp=True)
    found = {}
    try:
        tab = context.new_page()
        for path in paths:
            response = tab.goto(live_server.url + path)
            assert response.status == 200, path
            if violations := axe_violations(tab):
                found[path] = violations
    finally:
        context.close()
    assert not found, found
