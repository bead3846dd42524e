"""An htmx action deep in a long post page leaves the reader where they were: what they
acted on stays at the same place on the screen, the sticky sidebar does not move, and
the focus stays on the control they used or moves to what it opened."""

import pytest
from playwright.sync_api import expect

from practices import services as practices_services
from tests.browser.people import signed_in_context, snapshot
from tests.builders import add_member, ask, launch_community
from tests.factories import UserFactory

LONG_TEXT = "\n\n".join(
    f"Step {n}: we checked the list at the bedside and wrote down what was missing."
    for n in range(12)
)


@pytest.fixture
def long_post(transactional_db):
    facilitator = UserFactory(display_name="Fay Facilitator")
    community = launch_community(facilitator, name="Safe handovers")
    author = add_member(community, UserFactory(display_name="Mia Member")).user
    reader = add_member(community, UserFactory(display_name="Ravi Reader")).user
    post = ask(community, author, "Handovers at the bedside go wrong", situation=LONG_TEXT)
    for n in range(14):
        practices_services.comment_create(
            post=post, author=reader if n % 2 else facilitator, body=f"Comment {n}.\n\n{LONG_TEXT}"
        )
    return author, reader, post


def where(page, selector: str) -> dict:
    """The scroll position, and the screen positions of the sidebar and of `selector`."""
    return page.evaluate(
        """(selector) => ({
            y: window.scrollY,
            aside: document.querySelector(".post-layout__aside").getBoundingClientRect().top,
            item: document.querySelector(selector).getBoundingClientRect().top,
        })""",
        selector,
    )


def scroll_to(page, locator) -> None:
    locator.evaluate("el => el.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(100)


def assert_near(before: dict, after: dict, *keys: str) -> None:
    for key in keys:
        assert abs(after[key] - before[key]) <= 3, (key, before, after)


def on_screen(page) -> bool:
    return page.evaluate(
        """() => { const box = document.activeElement.getBoundingClientRect();
                   return box.top >= -1 && box.bottom <= window.innerHeight + 1; }"""
    )


@pytest.mark.browser
def test_marking_an_answer_helpful_deep_in_the_conversation_keeps_it_under_the_reader(
    browser, live_server, long_post
):
    author, _, post = long_post
    context = signed_in_context(browser, live_server, author)
    page = context.new_page()
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    comments = list(post.comments.order_by("created_at"))
    for number, how in [(9, "click"), (11, "keyboard")]:
        card = f"#comment-{comments[number].pk}"
        button = page.locator(card).get_by_role("button", name="Mark as helpful")
        scroll_to(page, button)
        before = where(page, card)
        assert before["y"] > 3000  # far down a long page, the sidebar stuck beside it
        if how == "click":
            button.click()
        else:
            button.focus()
            page.keyboard.press("Enter")
        expect(page.locator(card).get_by_text("Helpful answer")).to_be_visible()
        # The focus is on the same control, now offering to undo the mark (it moves
        # once the swap has settled, after the page has been put back in place).
        expect(page.locator(f"{card} :focus")).to_have_text("Remove the helpful mark")
        # The answer moved to the top of the conversation; the page followed it, so it
        # is still where the reader looked, and the sidebar did not move. The focused
        # toggle is on screen: the next Tab goes on from here, not from the top.
        assert_near(before, where(page, card), "item", "aside")
        assert on_screen(page)
        settled = where(page, card)
        page.keyboard.press("Tab")
        assert_near(settled, where(page, card), "y", "aside")
    snapshot(page, "a11y", "helpful-deep-in-conversation")
    context.close()


@pytest.mark.browser
def test_opening_and_closing_a_report_form_keeps_the_page_and_moves_the_focus_sensibly(
    browser, live_server, long_post
):
    _, reader, post = long_post
    context = signed_in_context(browser, live_server, reader)
    page = context.new_page()
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    comment = post.comments.filter(author__display_name="Fay Facilitator").order_by("created_at")[5]
    card = f"#comment-{comment.pk}"
    link = page.locator(card).get_by_role("link", name="Report the comment by Fay Facilitator")
    scroll_to(page, link)
    before = where(page, card)
    assert before["y"] > 3000
    link.press("Enter")
    panel = page.locator(f"#report-comment-{comment.pk}")
    expect(panel.get_by_role("heading", name="Report this comment")).to_be_focused()
    assert_near(before, where(page, card), "y", "aside", "item")
    # Tab goes on into the form; Cancel closes it and gives the focus back to the link.
    page.keyboard.press("Tab")
    expect(panel.locator(":focus")).to_have_count(1)
    panel.get_by_role("link", name="Cancel").focus()
    before = where(page, card)
    page.keyboard.press("Enter")
    expect(panel.get_by_role("heading")).to_have_count(0)
    expect(link).to_be_focused()
    assert_near(before, where(page, card), "y", "aside", "item")
    context.close()


@pytest.mark.browser
def test_a_reaction_in_the_sticky_sidebar_keeps_the_page_and_the_focus_on_the_toggle(
    browser, live_server, long_post
):
    _, reader, post = long_post
    context = signed_in_context(browser, live_server, reader)
    page = context.new_page()
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    page.evaluate("window.scrollTo(0, 4000)")
    page.wait_for_timeout(100)
    before = where(page, "#post-actions")
    helpful = page.locator("#post-actions").get_by_role("button", name="Helpful")
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(helpful).to_be_focused()
    assert_near(before, where(page, "#post-actions"), "y", "aside", "item")
    context.close()


@pytest.mark.browser
def test_a_reply_form_opened_at_the_bottom_of_the_screen_comes_into_view(
    browser, live_server, long_post
):
    _, reader, post = long_post
    context = signed_in_context(browser, live_server, reader)
    page = context.new_page()
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    comment = post.comments.order_by("created_at")[6]
    link = page.locator(f"#reply-slot-{comment.pk} [data-reply-link]")
    # The link sits on the last line of the screen: its form opens below the fold.
    link.evaluate("el => el.scrollIntoView({block: 'end'})")
    page.wait_for_timeout(100)
    link.click()
    field = page.locator(f"#reply-slot-{comment.pk} textarea")
    expect(field).to_be_focused()
    page.wait_for_timeout(200)
    assert on_screen(page)
    context.close()
