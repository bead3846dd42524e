"""Sharing without one's name, driven through the pages.

Ada runs a community and lets members share experiences without their name. Bea
shares one that way; Cal, another member, reads it as shared by "a member of this
community" and finds no trace of Bea on the page; Ada, the facilitator, sees who
shared it. Later Bea puts her name on it, after a confirmation, and Cal sees it.
"""

import pytest
from playwright.sync_api import Page, expect

from practices.models import Post
from tests.browser.people import snapshot
from tests.builders import launch_community
from tests.factories import MembershipFactory, UserFactory

TITLE = "What I got wrong about night handovers"


def shot(page: Page, name: str) -> None:
    snapshot(page, "unnamed", name)


@pytest.mark.browser
def test_a_member_shares_without_name_and_reveals_herself_later(
    live_server, transactional_db, open_as
):
    ada = UserFactory(display_name="Ada Osei")
    bea = UserFactory(display_name="Bea Lind")
    cal = UserFactory(display_name="Cal Moreno")
    community = launch_community(ada, name="Safe handovers")
    for member in (bea, cal):
        MembershipFactory(community=community, user=member)
    slug = community.slug

    # --- Ada allows posts without a name in the community's settings -------------------
    ada_page = open_as(ada, f"/c/{slug}/manage/")
    setting = ada_page.get_by_label("Members may share experiences without their name")
    expect(setting).not_to_be_checked()
    setting.check()
    ada_page.get_by_role("button", name="Save details").click()
    expect(ada_page.get_by_text("The community's details have been saved.")).to_be_visible()
    community.refresh_from_db()
    assert community.allows_unnamed_posts

    # --- Bea shares an experience without her name -------------------------------------
    bea_page = open_as(bea, f"/c/{slug}/posts/new/experience/")
    bea_page.get_by_label("Title").fill(TITLE)
    bea_page.get_by_label("What I tried").fill("I skipped the bedside part when we were busy.")
    bea_page.get_by_label("What happened").fill("A patient's new allergy was missed.")
    bea_page.get_by_label("What I learned").fill("Busy nights are when the bedside matters.")
    unnamed = bea_page.get_by_label("Share without my name")
    expect(bea_page.get_by_text("The facilitators still see your name")).to_be_visible()
    unnamed.check()
    shot(bea_page, "01-form")
    bea_page.get_by_role("button", name="Publish", exact=True).click()
    expect(bea_page.get_by_text("Published. Thank you for sharing.")).to_be_visible()
    byline = bea_page.locator(".post__byline")
    expect(byline).to_contain_text("A member of this community")
    expect(byline).to_contain_text("Shared without your name")
    post = Post.objects.get(title=TITLE)
    assert post.shared_without_name and post.author == bea
    # Bea comments on her own post: the comment does not name her either.
    bea_page.get_by_label("Your comment").fill("Happy to say more in the case clinic.")
    bea_page.get_by_role("button", name="Send comment").click()
    expect(bea_page.locator("#conversation .comment")).to_contain_text("You, without your name")

    # --- Cal reads it without learning who wrote it -----------------------------------
    cal_page = open_as(cal, f"/c/{slug}/posts/")
    card = cal_page.locator(".post-item", has_text=TITLE)
    expect(card).to_contain_text("by a member of this community")
    card.get_by_role("link", name=TITLE).click()
    expect(cal_page.locator(".post__byline")).to_contain_text("A member of this community")
    expect(cal_page.locator("#conversation .comment")).to_contain_text("A member of this community")
    html = cal_page.content()
    assert "Bea" not in html and "bea-lind" not in html
    shot(cal_page, "02-read-by-a-member")

    # --- Ada, the facilitator, sees who shared it -------------------------------------
    ada_page.goto(live_server.url + post.get_absolute_url())
    expect(ada_page.locator(".post__byline")).to_contain_text("Shared without name — by Bea Lind")

    # --- Bea puts her name on it, after confirming ------------------------------------
    bea_page.reload()
    bea_page.get_by_role("link", name="Put my name on it").click()
    expect(bea_page.get_by_role("heading", name="Put your name on this post?")).to_be_visible()
    shot(bea_page, "03-confirm-reveal")
    bea_page.get_by_role("button", name="Show my name").click()
    expect(bea_page.get_by_text("Your name is now shown on this post.")).to_be_visible()
    expect(bea_page.get_by_role("link", name="Put my name on it")).to_have_count(0)
    post.refresh_from_db()
    assert not post.shared_without_name

    cal_page.reload()
    expect(cal_page.locator(".post__byline")).to_contain_text("Bea Lind")
    expect(cal_page.locator("#conversation .comment")).to_contain_text("Bea Lind")
    shot(cal_page, "04-revealed")
