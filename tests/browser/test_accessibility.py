"""axe-core on the main pages, as each role and in both languages: no violations.

The pages are checked signed out, as a signed-in visitor who is not a member, as a
member and as a facilitator, in English and in German (the member's language setting;
signed out, the language cookie the footer's language form sets).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.people import signed_in_context
from tests.builders import add_member, launch_community, share
from tests.conftest import ARTIFACTS
from tests.factories import UserFactory

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()

EVERYONE = ["/", "/communities/", "/c/{slug}/", "/c/{slug}/charter/", "/lessons/"]
SIGNED_OUT_ONLY = ["/accounts/login/", "/search/?q=handover"]
SIGNED_IN = ["/search/?q=handover", "/notifications/"]
MEMBERS = [
    "/c/{slug}/posts/",
    "/c/{slug}/posts/{post}/",
    "/c/{slug}/posts/new/experience/",
    "/c/{slug}/members/",
]
FACILITATORS = [
    "/c/{slug}/manage/",
    "/c/{slug}/manage/charter/",
    "/c/{slug}/manage/questions/",
    "/c/{slug}/manage/requests/",
    "/c/{slug}/manage/members/",
    "/c/{slug}/manage/reports/",
    "/c/{slug}/manage/log/",
    "/c/{slug}/manage/safeguards/",
    "/c/{slug}/manage/health/",
]
PAGES = {
    "signed-out": EVERYONE + SIGNED_OUT_ONLY,
    "visitor": EVERYONE + SIGNED_IN,
    "member": EVERYONE + SIGNED_IN + MEMBERS,
    "facilitator": EVERYONE + SIGNED_IN + MEMBERS + FACILITATORS,
}


def axe_violations(page) -> list[dict]:
    page.add_script_tag(content=AXE)
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact,
                targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }));
        }"""
    )


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("role", list(PAGES))
def test_main_pages_have_no_axe_violations(role, language, browser, live_server, transactional_db):
    facilitator = UserFactory(display_name="Fay Facilitator")
    community = launch_community(facilitator, name="Safe handovers")
    member = add_member(community, UserFactory(display_name="Mia Member")).user
    post = share(community, member, "Handover checklist at the bedside", tags=["handover"])
    person = {"visitor": UserFactory(display_name="Vic Visitor"), "member": member}.get(
        role, facilitator if role == "facilitator" else None
    )

    # The CSP forbids injected scripts, as it should in production; only this test's
    # browser context ignores it so that axe-core can be added to the page.
    context = signed_in_context(browser, live_server, person, language=language, bypass_csp=True)
    page = context.new_page()

    found = {}
    try:
        for template in PAGES[role]:
            path = template.format(slug=community.slug, post=post.pk)
            response = page.goto(live_server.url + path)
            assert response.status == 200, (path, response.status)
            assert page.locator("html").get_attribute("lang") == language, path
            violations = axe_violations(page)
            if violations:
                found[path] = violations
    finally:
        context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    report = ARTIFACTS / f"axe-{role}-{language}.json"
    report.write_text(json.dumps(found, indent=2))
    assert not found, json.dumps(found, indent=2)
