"""Keeping the space trusted, driven through the pages.

Three members report a post as breaking a rule, which hides it; the facilitator opens
the review queue, reads the reasons, hides the post and warns its author; the author
sees the banner with the reason and asks for a review, once.
"""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from communities import services as community_services
from communities.models import Community, Membership, ModerationAction, Report
from practices import services as practices_services
from practices.models import Post
from tests import builders
from tests.conftest import ARTIFACTS
from tests.factories import KNOWN_PASSWORD, UserFactory

RULE = "Respectful, constructive exchange"
TITLE = "Why the night team keeps getting handovers wrong"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"moderation-{name}.png"), full_page=True)


def join(community: Community, user) -> None:
    facilitator = community.memberships.facilitators().first().user
    (invitation,) = community_services.invitations_create(
        community=community, by=facilitator, emails=[user.email]
    )
    community_services.invitation_accept(invitation=invitation, user=user, accepted_rules=True)


@pytest.fixture
def open_as(browser, live_server):
    """`open_as(user, path)`: a browser window of that person's own, signed in, on `path`."""
    contexts = []

    def open_as(user, path: str) -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/?{urlencode({'next': path})}")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(KNOWN_PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.mark.browser
def test_reports_hide_a_post_the_facilitator_warns_and_the_author_asks_for_a_review(
    live_server, open_as
):
    facilitator = UserFactory(display_name="Fay Facilitator")
    community = builders.launch_community(facilitator, name="Night shift handovers")
    author = UserFactory(display_name="Ari Author")
    reporters = [UserFactory(display_name=name) for name in ("Bea", "Cal", "Dee")]
    for person in (author, *reporters):
        join(community, person)
    # Reports count towards hiding only from members past the new-member period.
    Membership.objects.filter(community=community, user__in=reporters).update(
        joined_at=timezone.now() - timedelta(days=60)
    )
    post = practices_services.post_create(
        community=Community.objects.get(pk=community.pk),
        author=author,
        kind="experience",
        data={
            "title": TITLE,
            "tried": "I told them plainly that they are lazy and do not read the notes.",
            "happened": "Nothing changed, of course. Some people never learn.",
            "learned": "You cannot fix people who do not care.",
        },
    )
    path = post.get_absolute_url()

    # Three members report the post, each from the post page.
    for number, reporter in enumerate(reporters, start=1):
        page = open_as(reporter, path)
        page.get_by_role("link", name="Report this post").click()
        panel = page.locator(f"#report-post-{post.pk}")
        expect(panel.get_by_role("heading", name="Report this post")).to_be_visible()
        panel.get_by_label(RULE).check()
        if number == 1:
            panel.get_by_label("What should the facilitators know?").fill(
                "Calls colleagues lazy; that is blame, not experience."
            )
            shot(page, "1-report-form")
        panel.get_by_role("button", name="Send the report").click()
        expect(panel.get_by_text("Thank you. The facilitators will review")).to_be_visible()
        if number == 1:
            shot(page, "2-reported")
        page.close()

    post.refresh_from_db()
    assert post.is_hidden and post.hidden_by is None
    assert Report.objects.filter(post=post, status="open").count() == 3

    # The facilitator reviews the queue, reads the reasons, hides the post and warns.
    page = open_as(facilitator, f"/c/{community.slug}/manage/")
    nav = page.get_by_role("navigation", name="Community settings")
    expect(nav.get_by_role("link", name="Review queue")).to_contain_text("1")
    nav.get_by_role("link", name="Review queue").click()
    card = page.locator(f"#queue-post-{post.pk}")
    expect(card).to_contain_text("3 reports")
    expect(card).to_contain_text(f"3× {RULE}")
    expect(card).to_contain_text("Calls colleagues lazy")
    expect(card).to_contain_text("Hidden automatically")
    shot(page, "3-review-queue")
    expect(card.get_by_label("Rule broken")).to_have_value(str(community.rules.get(title=RULE).pk))
    card.get_by_label("Reason").fill("Please describe what happened, without judging colleagues.")
    card.get_by_role("button", name="Hide and warn the author").click()
    expect(page.get_by_text("Hidden, and the author was emailed a warning.")).to_be_visible()
    expect(nav.get_by_role("link", name="Review queue")).to_have_text("Review queue")
    shot(page, "4-decided")
    nav.get_by_role("link", name="Moderation log").click()
    expect(page.locator(".log-table")).to_contain_text("Warned the author")
    shot(page, "5-moderation-log")

    warning = next(
        m for m in mail.outbox if m.to == [author.email] and "facilitators of" in m.subject
    )
    assert RULE in warning.body and "without judging colleagues" in warning.body
    post.refresh_from_db()
    assert post.hidden_by == facilitator

    # The author sees why, and asks for a review once.
    page = open_as(author, path)
    banner = page.locator(".hidden-banner")
    expect(banner).to_contain_text("Hidden by the facilitators.")
    expect(banner).to_contain_text("without judging colleagues")
    banner.get_by_text("Think this is a mistake? Ask for a review").click()
    banner.get_by_label("Why should the facilitators look again?").fill(
        "I rewrote it to describe the handover, not the people."
    )
    shot(page, "6-author-sees-the-reason")
    banner.get_by_role("button", name="Ask for a review").click()
    expect(
        page.get_by_text("You asked for a review. A facilitator will look at it again.")
    ).to_be_visible()
    expect(page.locator(".hidden-banner")).to_contain_text("You asked for a review")
    expect(page.get_by_role("button", name="Ask for a review")).to_have_count(0)
    shot(page, "7-review-requested")

    post.refresh_from_db()
    assert post.review_requested_at is not None
    assert ModerationAction.objects.filter(post=post, action="review_requested").count() == 1
    assert list(
        ModerationAction.objects.filter(post=post).order_by("pk").values_list("action", flat=True)
    ) == ["auto_hidden", "hidden", "warned", "review_requested"]
    assert Post.objects.get(pk=post.pk).is_hidden

    # The request is back in the facilitator's queue.
    page = open_as(facilitator, f"/c/{community.slug}/manage/reports/")
    expect(page.get_by_role("heading", name="Authors asking for a review")).to_be_visible()
    expect(page.locator(f"#queue-post-{post.pk}")).to_contain_text("I rewrote it")
    shot(page, "8-review-in-the-queue")
