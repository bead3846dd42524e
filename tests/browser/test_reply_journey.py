"""Replying to a comment by keyboard: the one reply form comes to the thread it answers."""

import pytest
from playwright.sync_api import expect

from practices import services
from practices.models import Comment
from tests.browser.people import signed_in_context, snapshot
from tests.builders import add_member, launch_community, share
from tests.factories import UserFactory


@pytest.fixture
def conversation(transactional_db):
    facilitator = UserFactory(display_name="Fay Facilitator")
    community = launch_community(facilitator, name="Safe handovers")
    author = add_member(community, UserFactory(display_name="Mia Member")).user
    omar = add_member(community, UserFactory(display_name="Omar Other")).user
    post = share(community, author, "Handover checklist at the bedside")
    first = services.comment_create(post=post, author=omar, body="Did it work on nights?")
    second = services.comment_create(post=post, author=facilitator, body="We print it weekly.")
    return author, post, first, second


def tab_to(page, name: str, *, limit: int = 120) -> None:
    """Press Tab until the focused element's text ends with `name` (its accessible name)."""
    page.locator("body").focus()
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate("document.activeElement.textContent.trim()")
        if label.endswith(name):
            return
    raise AssertionError(f"{name!r} is not reachable with the Tab key")


@pytest.mark.browser
def test_a_member_replies_to_the_second_thread_by_keyboard(browser, live_server, conversation):
    author, post, first, second = conversation
    context = signed_in_context(browser, live_server, author)
    page = context.new_page()
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    expect(page.locator("[data-reply-form]")).to_have_count(0)

    # Each thread has its Reply link; Enter on the second loads the form under it.
    expect(page.get_by_role("link", name="Reply to Omar Other")).to_be_visible()
    tab_to(page, "Reply to Fay Facilitator")
    page.keyboard.press("Enter")
    field = page.get_by_label("Reply to Fay Facilitator")
    expect(field).to_be_focused()
    expect(page.locator(f"#reply-slot-{second.pk} [data-reply-form]")).to_have_count(1)
    expect(page.get_by_role("link", name="Reply to Fay Facilitator")).to_be_hidden()

    # Opening the first thread's form closes the untouched one: one form on the page.
    page.get_by_role("link", name="Reply to Omar Other").click()
    expect(page.get_by_label("Reply to Omar Other")).to_be_focused()
    expect(page.locator("[data-reply-form]")).to_have_count(1)
    # Cancel closes it and gives the focus back to its link.
    page.locator(f"#reply-form-{first.pk}").get_by_role("link", name="Cancel").click()
    expect(page.locator("[data-reply-form]")).to_have_count(0)
    expect(page.get_by_role("link", name="Reply to Omar Other")).to_be_focused()

    # An empty reply is refused with a message, under the same thread. The swap settles
    # slowly here, as on a busy machine: the reader moves on before it has settled.
    page.evaluate("htmx.config.defaultSettleDelay = 400")
    page.get_by_role("link", name="Reply to Fay Facilitator").click()
    field = page.get_by_label("Reply to Fay Facilitator")
    expect(field).to_be_focused()
    send = page.get_by_role("button", name="Send reply")
    send.focus()
    # Once the swap has settled (htmx has bound the form), the focus is still where the
    # reader put it: nothing moves it to the field again behind their back.
    page.wait_for_function(
        """id => { const form = document.getElementById(id);
                   return form && form["htmx-internal-data"] &&
                          !document.querySelector(".htmx-settling, .htmx-added"); }""",
        arg=f"reply-form-{second.pk}",
    )
    expect(send).to_be_focused()
    page.keyboard.press("Enter")
    thread = page.locator(f"#reply-slot-{second.pk}")
    expect(thread.get_by_text("Write something before you send the comment.")).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    snapshot(page, "reply", "refused-empty")

    # Too long: refused, and what was typed is still there.
    too_long = "We print it weekly. " * 520
    field.fill(too_long)
    # From the text, Tab reaches the file field, then "Send reply".
    field.press("Tab")
    expect(page.locator(f"#reply-form-{second.pk} input[type=file]")).to_be_focused()
    page.keyboard.press("Tab")
    expect(send).to_be_focused()
    page.keyboard.press("Enter")
    # Wait for the answer to this send: the empty reply's message gives way to the length one.
    expect(thread.locator(".field__error")).to_be_visible()
    expect(thread.locator(".field__error")).not_to_contain_text("Write something")
    kept = page.get_by_label("Reply to Fay Facilitator").input_value()
    assert kept.strip() == too_long.strip()
    assert not Comment.objects.filter(parent=second).exists()

    # A real reply lands under the second thread, and the form is gone.
    page.get_by_label("Reply to Fay Facilitator").fill("Weekly works for us too.")
    page.get_by_role("button", name="Send reply").click()
    replies = page.locator(f"#comment-{second.pk} ~ .reply-list .comment")
    expect(replies).to_have_count(1)
    expect(replies).to_contain_text("Weekly works for us too.")
    expect(page.locator("[data-reply-form]")).to_have_count(0)
    reply = Comment.objects.get(parent=second)
    assert reply.author == author and not first.replies.exists()
    snapshot(page, "reply", "sent")
    context.close()


@pytest.mark.browser
def test_the_reply_form_reads_well_in_german(browser, live_server, conversation):
    author, post, _first, second = conversation
    context = signed_in_context(browser, live_server, author, language="de")
    page = context.new_page()
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    page.locator(f"#reply-slot-{second.pk} [data-reply-link]").click()
    form = page.locator(f"#reply-form-{second.pk}")
    expect(form.locator("textarea")).to_be_focused()
    # The form's own button and its file field (whose chooser is a button too) in German.
    expect(form.get_by_role("button", name="Antwort senden")).to_be_visible()
    expect(form.get_by_label("Dateien")).to_be_visible()
    snapshot(page, "reply", "open-de")
    context.close()
