"""Community tabs on a narrow screen and by keyboard, busy buttons, focus after a swap."""

import pytest
from playwright.sync_api import expect

from practices.models import Comment
from tests.browser.people import signed_in_context, snapshot
from tests.builders import add_member, launch_community, share
from tests.factories import UserFactory

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def setting(transactional_db):
    facilitator = UserFactory(display_name="Fay Facilitator")
    community = launch_community(facilitator, name="Safe handovers")
    member = add_member(community, UserFactory(display_name="Mia Member")).user
    post = share(community, member, "Handover checklist at the bedside")
    return community, facilitator, member, post


def tab_links(page):
    return page.get_by_role("navigation", name="Community sections").get_by_role("link")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}])
def test_every_community_tab_is_visible_and_its_focus_ring_is_not_clipped(
    browser, live_server, setting, viewport
):
    community, facilitator, _, _ = setting
    context = signed_in_context(browser, live_server, facilitator, viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/c/{community.slug}/")
    tabs = tab_links(page)
    expect(tabs.last).to_have_text("Manage")
    for index in range(tabs.count()):
        box = tabs.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], index
    # Tab through to the last tab ("Manage") and measure the ring it draws.
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Manage":
            break
    ring = page.evaluate(
        """() => {
            const link = document.activeElement, style = getComputedStyle(link);
            const reach = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth);
            const box = link.getBoundingClientRect();
            let clip = link.parentElement;
            while (clip && getComputedStyle(clip).overflowX === "visible"
                   && getComputedStyle(clip).overflowY === "visible") { clip = clip.parentElement; }
            const far = 1e9;
            const area = clip ? clip.getBoundingClientRect()
                              : {top: -far, bottom: far, left: -far, right: far};
            return {style: style.outlineStyle,
                    inside: box.top - reach >= area.top && box.bottom + reach <= area.bottom
                            && box.left - reach >= area.left && box.right + reach <= area.right};
        }"""
    )
    assert ring == {"style": "solid", "inside": True}
    snapshot(page, "a11y", f"community-tabs-{viewport['width']}")
    context.close()


@pytest.mark.browser
def test_the_manage_menu_takes_a_few_lines_on_a_phone(browser, live_server, setting):
    community, facilitator, _, _ = setting
    context = signed_in_context(browser, live_server, facilitator, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/c/{community.slug}/manage/")
    menu = page.get_by_role("navigation", name="Community settings")
    assert menu.bounding_box()["height"] <= PHONE["height"] / 4
    snapshot(page, "a11y", "manage-390")
    context.close()


@pytest.mark.browser
def test_a_double_click_sends_one_comment_and_the_button_shows_it_is_busy(
    browser, live_server, setting
):
    community, _, member, post = setting
    context = signed_in_context(browser, live_server, member)
    page = context.new_page()
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    page.evaluate(
        """() => document.addEventListener("htmx:beforeSend", (event) => {
            const button = event.detail.elt.querySelector("button[type=submit]");
            window.busyWhileSending = [button.disabled, button.classList.contains("is-busy"),
                                       event.detail.elt.getAttribute("aria-busy")];
        })"""
    )
    page.get_by_label("Your comment").fill("We tried the same list.")
    page.get_by_role("button", name="Send comment").dblclick()
    expect(page.locator(".comment")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.busyWhileSending") == [True, True, "true"]
    assert Comment.objects.filter(post=post).count() == 1
    expect(page.get_by_role("button", name="Send comment")).to_be_enabled()
    context.close()


@pytest.mark.browser
def test_after_a_swap_by_keyboard_the_focus_stays_in_the_swapped_region(
    browser, live_server, setting
):
    community, _, member, post = setting
    context = signed_in_context(browser, live_server, member)
    page = context.new_page()
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    page.get_by_label("Your comment").fill("Second shift too.")
    page.get_by_role("button", name="Send comment").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".comment")).to_have_count(1)
    expect(page.locator("#conversation :focus")).to_have_count(1)
    assert page.evaluate("document.activeElement.id") == "conversation-heading"
    context.close()


@pytest.mark.browser
def test_a_long_unbroken_title_wraps_inside_the_preview_card(browser, live_server, setting):
    community, _, member, _ = setting
    context = signed_in_context(browser, live_server, member)
    page = context.new_page()
    page.goto(f"{live_server.url}/c/{community.slug}/posts/new/experience/")
    title = page.get_by_label("Title")
    title.fill("https://example.org/" + "handover" * 20)
    title.press("End")  # the preview follows the typing (keyup)
    preview = page.locator(".post-editor__preview")
    expect(preview).to_contain_text("handoverhandover")
    assert preview.evaluate("card => card.scrollWidth <= card.clientWidth")
    box = page.locator(".post-preview__title").bounding_box()
    card = preview.bounding_box()
    assert box["x"] + box["width"] <= card["x"] + card["width"]
    snapshot(page, "a11y", "long-title-preview")
    context.close()
