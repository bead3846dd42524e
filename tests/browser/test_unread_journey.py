"""What is new since the last visit: a member finds a colleague's new post marked, reads
it, and marks the rest of the community as read."""

import pytest
from playwright.sync_api import expect

from practices import services
from tests.browser.people import signed_in_context, snapshot
from tests.builders import add_member, launch_community, share
from tests.factories import UserFactory


@pytest.fixture
def news(transactional_db):
    facilitator = UserFactory(display_name="Fay Facilitator")
    community = launch_community(facilitator, name="Safe handovers", without_posts=True)
    anna = add_member(community, UserFactory(display_name="Anna Reader")).user
    ben = add_member(community, UserFactory(display_name="Ben Writer")).user
    post = share(community, ben, "Handover checklist at the bedside")
    services.comment_create(post=post, author=facilitator, body="We print it weekly.")
    share(community, ben, "Night rota swap")
    return community, anna, post


@pytest.mark.browser
def test_a_member_reads_what_is_new_and_marks_the_rest_as_read(browser, live_server, news):
    community, anna, post = news
    context = signed_in_context(browser, live_server, anna)
    page = context.new_page()

    page.goto(f"{live_server.url}/")
    card = page.locator(".community-card", has_text="Safe handovers")
    expect(card.get_by_text("2 new posts")).to_be_visible()

    page.goto(f"{live_server.url}{community.get_absolute_url()}posts/")
    item = page.locator(".post-item", has_text="Handover checklist at the bedside")
    expect(item.locator(".badge--new")).to_have_text("New")
    expect(item.get_by_text("1 new comment")).to_be_visible()
    snapshot(page, "unread", "feed-with-markers")

    item.get_by_role("link", name="Handover checklist at the bedside").click()
    jump = page.get_by_role("link", name="1 new comment since your last visit: jump to the first")
    expect(jump).to_be_visible()
    expect(page.locator(".comment .badge--new")).to_have_count(1)
    snapshot(page, "unread", "post-with-new-comment")

    page.go_back()
    item = page.locator(".post-item", has_text="Handover checklist at the bedside")
    expect(item).to_be_visible()
    expect(item.locator(".badge--new")).to_have_count(0)
    expect(item.get_by_text("new comment")).to_have_count(0)
    other = page.locator(".post-item", has_text="Night rota swap")
    expect(other.locator(".badge--new")).to_have_text("New")

    page.get_by_role("button", name="Mark all as read").click()
    expect(
        page.get_by_role("status").filter(has_text="Everything here is marked as read.")
    ).to_be_visible()
    expect(page.locator(".post-item .badge--new")).to_have_count(0)
    snapshot(page, "unread", "feed-marked-read")

    page.goto(f"{live_server.url}/communities/mine/")
    card = page.locator(".community-card", has_text="Safe handovers")
    expect(card).to_be_visible()
    expect(card.get_by_text("new post")).to_have_count(0)
    context.close()
