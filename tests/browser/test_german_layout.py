"""German words are longer than English ones: a facilitator who reads Practica in German
sees the main pages fit a laptop and a phone, with nothing running off the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.people import snapshot
from tests.factories import KNOWN_PASSWORD
from tests.test_german import community, facilitator, member  # noqa: F401

# Elements whose box ends right of the screen, outside any scrolling container
# (wide tables scroll inside their own frame on purpose).
OFF_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  return [...document.querySelectorAll("body *")]
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.right > width + 1 && !scrolls(el);
    })
    .map((el) => `${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 40)}`);
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_main_pages_fit_the_screen_in_german(
    browser,
    live_server,
    community,  # noqa: F811
    facilitator,  # noqa: F811
    width,
):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="de-DE")
    page = context.new_page()
    slug = community.slug
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=login]").fill(facilitator.email)
        page.locator("input[name=password]").fill(KNOWN_PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.get_by_role("heading", name="Willkommen zurück, Fatma Yilmaz")).to_be_visible()

        for name, path in [
            ("home", "/"),
            ("community", f"/c/{slug}/"),
            ("post-form", f"/c/{slug}/posts/new/experience/"),
            ("health", f"/c/{slug}/manage/health/"),
            ("members", f"/c/{slug}/manage/members/"),
        ]:
            page.goto(live_server.url + path)
            assert page.evaluate("document.documentElement.lang") == "de"
            assert page.evaluate(OFF_SCREEN) == [], path
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            snapshot(page, "german", f"{name}-{width}")
    finally:
        context.close()
