"""A member creates a token on the settings page, uses it, revokes it; the API's
documentation page renders under the strict Content-Security-Policy."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.error import HTTPError

import pytest

from tests.browser.people import signed_in_context
from tests.conftest import ARTIFACTS
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()


def _status(url: str, secret: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except HTTPError as error:
        return error.code


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_member_creates_uses_and_revokes_a_token(browser, live_server, language):
    user = UserFactory(display_name="Tia Token")
    context = signed_in_context(browser, live_server, user, language=language)
    page = context.new_page()
    page.goto(f"{live_server.url}/settings/api-tokens/")
    # Keyboard only: name, scope, lifetime, submit.
    page.get_by_label("Name").focus()
    page.keyboard.type("Team dashboard")
    page.locator("input[name=scope][value=write]").check()
    page.locator("button[type=submit].button").last.focus()
    page.keyboard.press("Enter")
    secret = page.locator("#token-secret").input_value()
    assert secret.startswith("prt_")
    violations = page.evaluate(AXE + "\n;axe.run(document).then(r => r.violations.map(v => v.id))")
    assert violations == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"api-tokens-created-{language}.png"), full_page=True)
    api = f"{live_server.url}/api/v1/notifications/"
    assert _status(api, secret) == 200
    page.get_by_role("button", name="Team dashboard").click()
    assert page.locator(".alert").first.is_visible()
    assert _status(api, secret) == 401
    context.close()


def test_the_documentation_page_renders_without_csp_violations(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    page.get_by_text("/api/v1/communities/", exact=True).first.wait_for()
    assert "Practica API" in page.locator(".swagger-ui .info .title").inner_text()
    csp = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert csp == [], json.dumps(problems, indent=2)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    context.close()
