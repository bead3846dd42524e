"""What every journey does: sign a person in through the sign-in page, keep screenshots."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from playwright.sync_api import Page, expect

from tests.conftest import ARTIFACTS
from tests.factories import KNOWN_PASSWORD


def sign_in(page: Page, live_server, user, *, next_path: str = "/") -> None:
    """Sign `user` in with their email and password, landing on `next_path`."""
    page.goto(f"{live_server.url}/accounts/login/?{urlencode({'next': next_path})}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(KNOWN_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def snapshot(page: Page, journey: str, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{journey}-{name}.png"), full_page=True)


def link_in_email(message, live_server) -> str:
    """The first site link in an email, pointed at the test server.

    Emails link to the configured site address; the test server listens elsewhere.
    """
    found = re.search(rf"{re.escape(settings.SITE_URL)}/\S+", message.body)
    assert found, f"no link to the site in: {message.body}"
    return live_server.url + urlsplit(found.group(0)).path


def send_waiting_emails() -> None:
    """Do what the beat does every minute: email the notifications that are due.

    Some emails leave straight from the request; notifications wait for this job (the
    journeys set their delay to zero). The job runs eagerly, like every task in tests.
    """
    from members import tasks

    job = getattr(tasks, "send_notification_emails", None)
    if job is not None:
        job.delay()


def signed_in_context(browser, live_server, user=None, *, language: str = "", **options):
    """A browser context whose session belongs to `user` (signed out when None), without
    going through the sign-in page; `language` sets the member's language setting, or
    for a signed-out visitor the cookie the footer's language form sets."""
    from django.test import Client

    options = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB", **options}
    context = browser.new_context(**options)
    cookies = {}
    if user is None:
        if language:
            cookies[settings.LANGUAGE_COOKIE_NAME] = language
    else:
        if language:
            user.language = language
            user.save(update_fields=["language"])
        client = Client()
        client.force_login(user)
        cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": name, "value": value, "url": live_server.url} for name, value in cookies.items()]
    )
    return context
