"""A community from its first idea to a running community, driven through the pages.

Ada starts a community, works through the launch checklist and launches it; Chloe joins
an open community; Dev asks to join once it takes requests; Eli comes in by invitation;
a material change of the rules stops Chloe posting until she accepts the new rules.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from communities.models import CharterVersion, Community, Invitation, Membership
from practices.models import Post
from tests.browser.people import link_in_email, send_waiting_emails, sign_in, snapshot
from tests.factories import UserFactory

NAME = "Night shift handovers"
NEW_RULE = "Name the patient, not the bed"
LATER_RULE = "Hand over at the bedside"
QUESTION = "Which ward do you work on?"


def shot(page: Page, name: str) -> None:
    snapshot(page, "community", name)


def email_to(address: str, containing: str):
    """The email sent to `address` that says `containing`."""
    found = [m for m in mail.outbox if m.to == [address] and containing in m.body]
    assert found, f"no email to {address} saying {containing!r}"
    return found[0]


def checklist_item(page: Page, label: str):
    return page.locator(".launch-checklist__item", has_text=label)


def fix(page: Page, label: str) -> None:
    """Follow the checklist's link to the page where an item is fixed."""
    checklist_item(page, label).get_by_role("link", name=re.compile("^Fix this")).click()


def tab(page: Page, name: str):
    return page.get_by_role("navigation", name="Community sections").get_by_role(
        "link", name=name, exact=True
    )


def back_to_checklist(page: Page) -> None:
    page.get_by_role("navigation", name="Community settings").get_by_role(
        "link", name="Launch checklist"
    ).click()
    expect(page.get_by_role("heading", name="Launch checklist")).to_be_visible()


def share_experience(page: Page, title: str, *, learned: str) -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("What I tried").fill("We read the handover sheet aloud together.")
    page.get_by_label("What happened").fill("Fewer questions came back during the night.")
    page.get_by_label("It worked").check()
    page.get_by_label("What I learned").fill(learned)
    page.get_by_label("Topics").fill("handover")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Published. Thank you for sharing.")).to_be_visible()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


@pytest.mark.browser
def test_a_community_is_started_launched_and_joined_in_every_way_and_its_rules_change(
    live_server, transactional_db, page, open_as, emails_without_delay
):
    ada = UserFactory(display_name="Ada Osei", email="ada@practica.test")
    chloe = UserFactory(display_name="Chloe Park", email="chloe@practica.test")
    dev = UserFactory(display_name="Dev Rao", email="dev@practica.test")
    eli = UserFactory(display_name="Eli Stone", email="eli@practica.test")

    # --- Ada starts a community ------------------------------------------------------
    sign_in(page, live_server, ada)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    page.get_by_role("link", name="Start a community").first.click()
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("Community of practice").check()
    page.get_by_label("Central challenge").fill(
        "Information gets lost when the night shift hands over its patients."
    )
    page.get_by_label("Who it is for").fill("Ward nurses who hand over at night")
    page.get_by_label("Topics").fill("handover, night shift")
    shot(page, "01-start-form")
    page.get_by_role("button", name="Start the community").click()

    # The launch checklist says what is missing; Launch waits until it is all done.
    expect(page.get_by_role("heading", name="Launch checklist")).to_be_visible()
    expect(page.get_by_text(f"{NAME} is started.")).to_be_visible()
    expect(checklist_item(page, "Central challenge written")).to_contain_text("Done")
    for label in (
        "Purpose written",
        "At least three rules published in the charter",
        "Welcome message written",
        "Onboarding steps chosen",
        "At least one more facilitator or core member invited",
        "At least one seed experience post",
    ):
        expect(checklist_item(page, label)).to_contain_text("Missing")
    expect(page.get_by_text("1 of 7 done")).to_be_visible()
    expect(page.get_by_text("6 required items are still missing.")).to_be_visible()
    launch = page.get_by_role("button", name="Launch the community")
    expect(launch).to_be_disabled()
    shot(page, "02-checklist-missing")
    community = Community.objects.get(name=NAME)
    assert community.stage == Community.Stage.PLANNING
    assert community.memberships.get(user=ada).role == Membership.Role.FACILITATOR
    slug = community.slug

    # Purpose, on the details page.
    fix(page, "Purpose written")
    page.get_by_role("textbox", name="Purpose").fill(
        "Night nurses compare how they hand over patients, so that nothing gets lost "
        "between shifts."
    )
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("The community's details have been saved.")).to_be_visible()
    back_to_checklist(page)
    expect(checklist_item(page, "Purpose written")).to_contain_text("Done")

    # The charter: the three suggested rules plus one of Ada's own, then published.
    fix(page, "At least three rules published in the charter")
    expect(page.get_by_text("Not published yet")).to_be_visible()
    add_rule = page.locator("#add-rule")
    add_rule.get_by_label("Rule").fill(NEW_RULE)
    add_rule.get_by_label("Explanation").fill("Beds change; names do not.")
    add_rule.get_by_role("button", name="Add rule").click()
    rule_list = page.locator("#rule-list")
    expect(rule_list.get_by_role("heading", name=NEW_RULE)).to_be_visible()
    expect(rule_list.locator(".rule-item")).to_have_count(4)
    shot(page, "03-charter-draft")
    page.get_by_role("button", name="Publish the charter").click()
    expect(page.get_by_text("Version 1 published.")).to_be_visible()
    expect(page.get_by_text("Up to date")).to_be_visible()
    back_to_checklist(page)
    expect(checklist_item(page, "At least three rules published")).to_contain_text("Done")

    # Welcome message and onboarding steps.
    fix(page, "Welcome message written")
    page.get_by_label("Welcome message").fill(
        "Welcome to the night shift! Start by **introducing yourself**."
    )
    page.get_by_label("Read the pinned starter posts").uncheck()
    page.get_by_role("button", name="Save onboarding").click()
    expect(page.get_by_text("Welcome message and onboarding steps saved.")).to_be_visible()
    back_to_checklist(page)
    expect(checklist_item(page, "Welcome message written")).to_contain_text("Done")
    expect(checklist_item(page, "Onboarding steps chosen")).to_contain_text("Done")

    # A co-facilitator, invited by email.
    fix(page, "At least one more facilitator or core member invited")
    page.get_by_label("Email addresses").fill("ben@practica.test")
    page.get_by_role("radio", name=re.compile(r"^Facilitator")).check()
    page.get_by_label("Personal message").fill("Will you run this with me?")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("1 invitation sent.")).to_be_visible()
    sent = page.get_by_role("row", name=re.compile("ben@practica.test"))
    expect(sent).to_contain_text("Facilitator")
    expect(sent).to_contain_text("Open")
    email_to("ben@practica.test", NAME)
    back_to_checklist(page)

    # One seed experience, through the post form.
    fix(page, "At least one seed experience post")
    page.get_by_role("link", name="Share an experience").first.click()
    share_experience(
        page, "Reading the handover sheet aloud", learned="Saying it aloud catches the gaps."
    )

    # Everything is in place: launch.
    page.get_by_role("link", name="Manage", exact=True).click()
    back_to_checklist(page)
    expect(page.get_by_text("7 of 7 done")).to_be_visible()
    expect(launch).to_be_enabled()
    shot(page, "04-checklist-ready")
    launch.click()
    expect(page.get_by_text(f"{NAME} is open. Welcome your first members!")).to_be_visible()
    community.refresh_from_db()
    assert community.stage == Community.Stage.LAUNCHED
    assert community.launched_at is not None
    assert Invitation.objects.get(email="ben@practica.test").role == Membership.Role.FACILITATOR

    # --- Chloe finds the community, reads the rules and joins --------------------------
    chloe_page = open_as(chloe, "/communities/")
    chloe_page.get_by_role("link", name=NAME).click()
    tab(chloe_page, "Rules").click()
    rules = chloe_page.locator(".charter")
    expect(rules).to_contain_text("What is shared here stays here")
    expect(rules).to_contain_text(NEW_RULE)
    tab(chloe_page, "Overview").click()
    chloe_page.get_by_role("link", name="Join this community").click()
    expect(chloe_page.get_by_role("heading", name="The rules (version 1)")).to_be_visible()
    chloe_page.get_by_label("I have read and accept the rules").check()
    chloe_page.get_by_role("button", name="Join the community").click()

    expect(
        chloe_page.get_by_text(f"Welcome to {NAME}! Here is how to get started.")
    ).to_be_visible()
    welcome = chloe_page.locator(".welcome")
    expect(welcome).to_contain_text("Welcome to the night shift!")
    expect(welcome.locator("strong")).to_have_text("introducing yourself")
    onboarding = chloe_page.locator("#onboarding")
    expect(onboarding.get_by_role("heading", name="Getting started")).to_be_visible()
    expect(onboarding).to_contain_text("1 of 3 done")
    expect(onboarding).to_contain_text("Say what you can help with and what you want to learn")
    shot(chloe_page, "05-chloe-joined")
    # One onboarding step, answered in place.
    onboarding.get_by_text("Write a few lines").click()
    onboarding.get_by_label("Introduce yourself").fill("Night nurse on the cardiology ward.")
    onboarding.get_by_role("button", name="Save introduction").click()
    expect(chloe_page.locator("#onboarding")).to_contain_text("Thanks for introducing yourself.")
    expect(chloe_page.locator("#onboarding")).to_contain_text("2 of 3 done")
    chloe_membership = Membership.objects.get(community=community, user=chloe)
    assert chloe_membership.status == Membership.Status.ACTIVE
    assert chloe_membership.accepted_charter_number == 1
    assert chloe_membership.intro == "Night nurse on the cardiology ward."

    # --- Ada takes new members on request, with a question ----------------------------
    page.get_by_role("link", name="Manage", exact=True).click()
    page.get_by_label("On request").check()
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("The community's details have been saved.")).to_be_visible()
    page.get_by_role("link", name="Join questions").click()
    page.get_by_label("Question 1").fill(QUESTION)
    page.get_by_role("button", name="Save questions").click()
    expect(page.get_by_text("Join questions saved.")).to_be_visible()
    community.refresh_from_db()
    assert community.join_policy == Community.JoinPolicy.REQUEST

    # Dev asks to join and answers the question.
    dev_page = open_as(dev, f"/c/{slug}/")
    dev_page.get_by_role("link", name="Ask to join").click()
    dev_page.get_by_label(QUESTION).fill("Cardiology, nights.")
    dev_page.get_by_label("I have read and accept the rules").check()
    shot(dev_page, "06-dev-asks")
    dev_page.get_by_role("button", name="Send my request").click()
    expect(
        dev_page.get_by_text(f"Your request was sent to the facilitators of {NAME}.")
    ).to_be_visible()
    expect(dev_page.get_by_text("Request pending")).to_be_visible()
    assert Membership.objects.get(community=community, user=dev).status == "pending"
    email_to("ada@practica.test", "Dev Rao")

    # Ada approves him on the requests page.
    page.get_by_role("link", name=re.compile("^Membership requests")).click()
    card = page.locator(".request-card", has_text="Dev Rao")
    expect(card).to_contain_text(QUESTION)
    expect(card).to_contain_text("Cardiology, nights.")
    card.get_by_label("Message to the applicant").fill("Welcome, Dev!")
    shot(page, "07-request")
    card.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Dev Rao is now a member; we emailed them.")).to_be_visible()
    assert Membership.objects.get(community=community, user=dev).status == "active"
    send_waiting_emails()
    decision = email_to("dev@practica.test", f"Your request to join {NAME} was approved.")
    assert "Welcome, Dev!" in decision.body
    dev_page.reload()
    expect(dev_page.get_by_role("heading", name="You are a member")).to_be_visible()

    # --- Ada invites Eli, who accepts from the link in the email -----------------------
    page.get_by_role("link", name="Invitations").click()
    page.get_by_label("Email addresses").fill("eli@practica.test")
    expect(page.get_by_role("radio", name=re.compile(r"^Member"))).to_be_checked()
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("1 invitation sent.")).to_be_visible()
    send_waiting_emails()
    invitation_link = link_in_email(email_to("eli@practica.test", NAME), live_server)

    eli_page = open_as(eli, invitation_link.removeprefix(live_server.url))
    expect(eli_page.get_by_role("heading", name=f"You are invited to {NAME}")).to_be_visible()
    expect(eli_page.locator(".invitation")).to_contain_text(NEW_RULE)
    eli_page.get_by_label("I have read and accept the rules").check()
    shot(eli_page, "08-eli-invited")
    eli_page.get_by_role("button", name="Accept the invitation").click()
    expect(eli_page.get_by_text(f"Welcome to {NAME}! Here is how to get started.")).to_be_visible()
    eli_membership = Membership.objects.get(community=community, user=eli)
    assert eli_membership.status == Membership.Status.ACTIVE
    assert eli_membership.role == Membership.Role.MEMBER
    assert Invitation.objects.get(email="eli@practica.test").accepted_by == eli

    # --- A material change of the rules ------------------------------------------------
    page.get_by_role("link", name="Charter and rules").click()
    add_rule = page.locator("#add-rule")
    add_rule.get_by_label("Rule").fill(LATER_RULE)
    add_rule.get_by_role("button", name="Add rule").click()
    expect(page.locator("#rule-list").get_by_role("heading", name=LATER_RULE)).to_be_visible()
    expect(page.get_by_text("Unpublished changes")).to_be_visible()
    expect(page.get_by_label("Material change")).to_be_checked()
    page.get_by_label("What changed").fill("Handovers now happen at the bedside.")
    page.get_by_role("button", name="Publish new version").click()
    expect(
        page.get_by_text("Version 2 published. Members have been asked to accept it.")
    ).to_be_visible()
    community.refresh_from_db()
    assert community.required_charter_number == 2
    assert CharterVersion.objects.get(community=community, number=2).is_material
    send_waiting_emails()
    told = {m.to[0] for m in mail.outbox if "Handovers now happen at the bedside." in m.body}
    assert told == {"chloe@practica.test", "dev@practica.test", "eli@practica.test"}

    # Chloe reads on, but cannot post until she accepts.
    chloe_page.goto(f"{live_server.url}/c/{slug}/")
    expect(chloe_page.get_by_text("The rules of this community changed.")).to_be_visible()
    tab(chloe_page, "Experiences").click()
    expect(chloe_page.get_by_text("Accept the new rules to post again.")).to_be_visible()
    expect(chloe_page.get_by_role("link", name="Share an experience")).to_have_count(0)
    shot(chloe_page, "09-chloe-must-accept")
    chloe_page.goto(f"{live_server.url}/c/{slug}/posts/new/experience/")
    expect(chloe_page).to_have_url(re.compile(rf"/c/{slug}/posts/$"))
    expect(chloe_page.get_by_role("heading", name="Experiences and challenges")).to_be_visible()
    expect(chloe_page.get_by_role("textbox", name="Title")).to_have_count(0)

    chloe_page.get_by_role("link", name="Read and accept the rules").first.click()
    expect(
        chloe_page.get_by_role("heading", name="Please accept the updated rules")
    ).to_be_visible()
    expect(chloe_page.locator(".charter-accept")).to_contain_text(
        "Handovers now happen at the bedside."
    )
    expect(chloe_page.locator(".charter")).to_contain_text(LATER_RULE)
    chloe_page.get_by_label("I have read and accept the updated rules").check()
    chloe_page.get_by_role("button", name="Accept the rules").click()
    expect(chloe_page.get_by_text("Thank you for accepting the rules.")).to_be_visible()
    expect(chloe_page.get_by_text("The rules of this community changed.")).to_have_count(0)

    tab(chloe_page, "Experiences").click()
    chloe_page.get_by_role("link", name="Share an experience").first.click()
    share_experience(
        chloe_page, "Handing over at the bedside", learned="Patients correct us when we err."
    )
    shot(chloe_page, "10-chloe-posted")
    chloe_membership.refresh_from_db()
    assert chloe_membership.accepted_charter_number == 2
    assert Post.objects.get(title="Handing over at the bedside").author == chloe
    assert Post.objects.filter(community=community, status="published").count() == 2
