"""Sharing and finding experience, driven through the pages, and what stays private.

In a launched community, Bea shares an experience that did not work, Cal asks a
challenge and is pointed to Bea's experience while typing, Bea answers, Cal marks the
answer helpful, Dan reacts, applies and bookmarks, then finds the experience through
search and the lessons library. A post in a members-only community stays out of every
page a signed-in non-member can reach.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from communities.models import Community
from practices import services as practices_services
from practices.models import Bookmark, Comment, Post, Reaction
from tests.browser.people import sign_in, snapshot
from tests.builders import launch_community
from tests.factories import MembershipFactory, UserFactory

EXPERIENCE = "Bedside checklist for night shift handovers"
CHALLENGE = "How do you keep night handovers complete?"
SECRET_WORD = "zanzibarite"
SECRET_TITLE = "The quiet ward round experiment"
SECRET_TOPIC = "quiet-rounds"


def shot(page: Page, name: str) -> None:
    snapshot(page, "practice", name)


def tab(page: Page, name: str):
    return page.get_by_role("navigation", name="Community sections").get_by_role(
        "link", name=name, exact=True
    )


def main_nav(page: Page, name: str):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


@pytest.mark.browser
def test_members_share_answer_react_and_find_experience_and_private_posts_stay_private(
    live_server, transactional_db, page, open_as
):
    ada = UserFactory(display_name="Ada Osei")
    bea = UserFactory(display_name="Bea Lind")
    cal = UserFactory(display_name="Cal Moreno")
    dan = UserFactory(display_name="Dan Keller")
    eve = UserFactory(display_name="Eve Tran")
    community = launch_community(ada, name="Safe handovers")
    for member in (bea, cal, dan):
        MembershipFactory(community=community, user=member)
    slug = community.slug

    # A members-only community where Bea shares something Eve must never see.
    fay = UserFactory(display_name="Fay Okafor")
    private = launch_community(fay, name="Quiet ward rounds", visibility="members")
    assert private.visibility == Community.Visibility.MEMBERS
    MembershipFactory(community=private, user=bea)
    secret = practices_services.post_create(
        community=private,
        author=bea,
        kind="experience",
        data={
            "title": SECRET_TITLE,
            "tried": f"We tried the {SECRET_WORD} protocol on the ward round.",
            "happened": "Patients slept through the round.",
            "learned": f"The {SECRET_WORD} protocol needs a second nurse.",
        },
        tags=["handover", SECRET_TOPIC],
    )

    # --- Bea shares an experience that did not work, watching the preview ---------------
    bea_page = open_as(bea, f"/c/{slug}/")
    tab(bea_page, "Experiences").click()
    bea_page.get_by_role("link", name="Share an experience").first.click()
    preview = bea_page.locator("#preview")
    expect(preview).to_contain_text("Your post appears here as members will read it")
    bea_page.get_by_label("Title").press_sequentially(EXPERIENCE)
    expect(preview.get_by_role("heading", name=EXPERIENCE)).to_be_visible()
    bea_page.get_by_label("Situation and context").fill("A surgical ward, twelve beds at night.")
    bea_page.get_by_label("What I tried").fill("A paper checklist read at each bedside.")
    bea_page.get_by_label("What happened").fill("Nobody filled it in after the second week.")
    bea_page.get_by_label("It did not work").check()
    expect(preview).to_contain_text("It did not work")
    bea_page.get_by_label("What I learned").press_sequentially(
        "A bedside checklist only works when it is short."
    )
    expect(preview).to_contain_text("A bedside checklist only works when it is short.")
    bea_page.get_by_label("What I would recommend").fill("Keep it to five questions.")
    bea_page.get_by_label("Topics").press_sequentially("handover, checklists")
    expect(preview.get_by_role("list", name="Topics")).to_contain_text("checklists")
    shot(bea_page, "01-experience-preview")
    bea_page.get_by_role("button", name="Publish", exact=True).click()
    expect(bea_page.get_by_text("Published. Thank you for sharing.")).to_be_visible()
    expect(bea_page.get_by_role("heading", name=EXPERIENCE)).to_be_visible()
    expect(bea_page.locator(".post__badges")).to_contain_text("It did not work")
    experience = Post.objects.get(title=EXPERIENCE)
    assert experience.author == bea
    assert experience.outcome == Post.Outcome.FAILED
    assert experience.is_published
    assert sorted(experience.tags.names()) == ["checklists", "handover"]

    # --- Cal asks a challenge and is shown Bea's experience while typing ----------------
    cal_page = open_as(cal, f"/c/{slug}/posts/")
    cal_page.get_by_role("link", name="Ask the community").first.click()
    cal_page.get_by_label("Your question in one line").press_sequentially(CHALLENGE)
    similar = cal_page.locator("#similar")
    expect(similar).to_contain_text("Before you ask: members shared these experiences")
    expect(similar.get_by_role("link", name=EXPERIENCE)).to_be_visible()
    cal_page.get_by_label("The situation").fill("Our night handovers miss the fluid balance.")
    cal_page.get_by_label("What would help").fill("A method that survives a busy night.")
    cal_page.get_by_label("Topics").fill("handover")
    shot(cal_page, "02-challenge-similar")
    cal_page.get_by_role("button", name="Publish", exact=True).click()
    expect(cal_page.get_by_text("Published. Thank you for sharing.")).to_be_visible()
    expect(cal_page.locator("#answered-status")).to_have_text("Open challenge")
    challenge = Post.objects.get(title=CHALLENGE)
    assert challenge.kind == Post.Kind.CHALLENGE

    # Bea answers in the conversation.
    tab(bea_page, "Experiences").click()
    bea_page.get_by_role("link", name=CHALLENGE).click()
    bea_page.get_by_label("Your answer").fill("Our checklist failed; a five-question card did not.")
    bea_page.get_by_role("button", name="Send answer").click()
    answer = bea_page.locator("#conversation .comment", has_text="five-question card")
    expect(answer).to_be_visible()
    expect(bea_page.locator("#conversation .conversation__count")).to_have_text("1")

    # Cal marks the answer helpful: the challenge shows "Answered".
    cal_page.reload()
    expect(cal_page.get_by_text("five-question card")).to_be_visible()
    cal_page.get_by_role("button", name="Mark as helpful").click()
    expect(cal_page.locator("#answered-status")).to_have_text("Answered")
    expect(cal_page.locator("#conversation .comment").first).to_contain_text("Helpful answer")
    shot(cal_page, "03-answered")
    challenge.refresh_from_db()
    assert challenge.answered_at is not None
    assert Comment.objects.get(post=challenge).marked_helpful_at is not None

    # --- Dan finds it helpful, applies it with a note and bookmarks it ------------------
    dan_page = open_as(dan, f"/c/{slug}/posts/")
    dan_page.get_by_role("link", name=EXPERIENCE).click()
    actions = dan_page.locator("#post-actions")
    actions.get_by_role("button", name="Helpful").click()
    expect(actions.get_by_role("button", name="Helpful")).to_have_attribute("aria-pressed", "true")
    expect(actions).to_contain_text("1 member found it helpful")
    actions.locator("summary", has_text="I applied this").click()
    actions.get_by_label("How did it go?").fill("Five questions fit on our handover card.")
    actions.get_by_role("button", name="Tell the author").click()
    expect(actions).to_contain_text("1 applied it")
    notes = actions.locator(".applied-notes li", has_text="Applied by Dan Keller")
    expect(notes).to_contain_text("Five questions fit on our handover card.")
    actions.get_by_role("button", name="Bookmark").click()
    expect(actions.get_by_role("button", name="Bookmark")).to_have_attribute("aria-pressed", "true")
    shot(dan_page, "04-reactions")
    experience.refresh_from_db()
    assert (experience.helpful_count, experience.applied_count) == (1, 1)
    applied = Reaction.objects.get(post=experience, user=dan, kind=Reaction.Kind.APPLIED)
    assert applied.note == "Five questions fit on our handover card."
    assert Bookmark.objects.filter(post=experience, user=dan).exists()

    main_nav(dan_page, "Bookmarks").click()
    expect(dan_page.get_by_role("heading", name="Your bookmarks")).to_be_visible()
    expect(dan_page.get_by_role("link", name=EXPERIENCE)).to_be_visible()

    # Search with a quoted phrase: the matching words are highlighted.
    main_nav(dan_page, "Search").click()
    dan_page.get_by_label("Search for").fill('"bedside checklist"')
    dan_page.get_by_role("button", name="Search", exact=True).click()
    results = dan_page.locator("#search-results")
    expect(results).to_contain_text("Results 1–1 for")
    result = results.locator(".result-card", has_text=EXPERIENCE)
    expect(result.get_by_role("link", name=EXPERIENCE)).to_be_visible()
    marks = result.locator(".result-card__snippet mark")
    expect(marks.first).to_be_visible()
    assert {text.lower() for text in marks.all_inner_texts()} == {"bedside", "checklist"}
    expect(result.locator(".result-card__snippet")).to_contain_text(
        "bedside checklist only works when it is short."
    )
    expect(dan_page).to_have_url(re.compile(r"/search/\?q="))
    shot(dan_page, "05-search")

    # The lessons library, grouped by topic.
    main_nav(dan_page, "Lessons").click()
    handover = dan_page.locator(".lesson-topic", has_text="#handover")
    expect(handover.locator(".lesson-card", has_text=EXPERIENCE)).to_contain_text(
        "A bedside checklist only works when it is short."
    )
    expect(handover.locator(".lesson-card", has_text=EXPERIENCE)).to_contain_text(
        "Keep it to five questions."
    )
    shot(dan_page, "06-lessons")

    # --- Privacy: the members-only post, for a signed-in non-member ---------------------
    # A member of that community finds it, so the word is there to be found.
    main_nav(bea_page, "Search").click()
    bea_page.get_by_label("Search for").fill(SECRET_WORD)
    bea_page.get_by_role("button", name="Search", exact=True).click()
    expect(
        bea_page.locator("#search-results").get_by_role("link", name=SECRET_TITLE)
    ).to_be_visible()

    sign_in(page, live_server, eve)
    response = page.goto(f"{live_server.url}{secret.get_absolute_url()}")
    assert response.status == 404
    expect(page.get_by_role("heading", name="We could not find that page")).to_be_visible()
    expect(page.get_by_text(SECRET_WORD)).to_have_count(0)

    page.goto(f"{live_server.url}/c/{private.slug}/")
    expect(
        page.get_by_text("Posts and the member list are visible to members only.")
    ).to_be_visible()
    expect(page.get_by_text(SECRET_TITLE)).to_have_count(0)

    main_nav(page, "Search").click()
    page.get_by_label("Search for").fill(SECRET_WORD)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#search-results")).to_contain_text(f"Nothing found for {SECRET_WORD}")
    page.get_by_label("Search for").fill('"ward round"')
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#search-results")).to_contain_text('Nothing found for "ward round"')
    shot(page, "07-private-search")

    page.goto(f"{live_server.url}/tags/{SECRET_TOPIC}/")
    expect(page.get_by_role("heading", name="No posts on this topic yet")).to_be_visible()
    expect(page.get_by_role("button", name="Follow this topic")).to_have_count(0)
    page.goto(f"{live_server.url}/tags/handover/")
    expect(page.get_by_role("link", name=EXPERIENCE)).to_be_visible()
    expect(page.get_by_text(SECRET_TITLE)).to_have_count(0)

    main_nav(page, "Lessons").click()
    handover = page.locator(".lesson-topic", has_text="#handover")
    expect(handover).to_contain_text(EXPERIENCE)
    expect(handover.locator(".lesson-topic__count")).to_have_text("1 lesson")
    expect(page.get_by_text(SECRET_TITLE)).to_have_count(0)
    expect(page.get_by_text(SECRET_TOPIC)).to_have_count(0)

    # Her profile is for people who share a community with her, not for this reader.
    assert page.goto(f"{live_server.url}{bea.get_absolute_url()}").status == 404
    # Dan shares the public community, not the private one: her profile shows him only
    # what he may read. He reaches it from her public post.
    page = open_as(dan, experience.get_absolute_url())
    page.locator(".post__byline").get_by_role("link", name="Bea Lind").click()
    expect(page.get_by_role("heading", name="Bea Lind", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=EXPERIENCE)).to_be_visible()
    stats = page.locator(".profile-stats div", has_text="Experiences shared")
    expect(stats.locator("dd")).to_have_text("1")
    expect(page.get_by_text(SECRET_TITLE)).to_have_count(0)
    expect(page.get_by_text("Quiet ward rounds")).to_have_count(0)
    shot(page, "08-private-profile")
