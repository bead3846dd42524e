"""A facilitator reads the health dashboard on a laptop and on a phone, in light and
dark mode: every chart keeps its height, fits the screen and opens as a table."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.people import sign_in, snapshot
from tests.communities.test_health import C, E, ago, comment, event, member, post
from tests.factories import CommunityFactory, MembershipFactory


@pytest.fixture
def community(db):
    community = CommunityFactory(slug="handovers", name="Handovers")
    facilitator = MembershipFactory(community=community, facilitator=True).user
    for i in range(12):
        m = member(community, f"Member {i}", joined_days=5 * i + 1, accepted_charter_at=ago(5 * i))
        event(m, "joined", 5 * i + 1)
        if i % 4 == 0:
            event(m, "left", 2 * i + 1)
        kind = C if i % 3 == 0 else E
        written = post(community, m.user, kind, ago(4 * i + 3), "" if kind == C else "worked")
        comment(written, facilitator, ago(4 * i + 2))
    community.facilitator = facilitator
    return community


@pytest.mark.browser
@pytest.mark.parametrize(("width", "scheme"), [(1280, "light"), (390, "dark")])
def test_the_dashboard_is_legible_at_any_width_and_in_dark_mode(
    browser, live_server, community, width, scheme
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme=scheme, locale="en-GB"
    )
    page = context.new_page()
    try:
        path = f"/c/{community.slug}/manage/health/?period=90"
        # Signed in on a wide screen, where the sign-out button shows without a menu.
        sign_in(page, live_server, community.facilitator, next_path=path)
        page.set_viewport_size({"width": width, "height": 900})
        expect(page.get_by_role("heading", name="Community health")).to_be_visible()

        charts = page.locator("svg.chart")
        assert charts.count() == 6
        for i in range(charts.count()):
            chart = charts.nth(i)
            box = chart.bounding_box()
            assert box["height"] == pytest.approx(float(chart.get_attribute("height")), abs=1)
            assert box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        snapshot(page, "health", f"{width}-{scheme}")

        page.get_by_text("Show as table").first.click()
        expect(page.get_by_role("table").first).to_be_visible()
    finally:
        context.close()
