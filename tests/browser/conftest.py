from datetime import timedelta

import pytest

from tests.browser.people import sign_in


@pytest.fixture
def open_as(browser, live_server):
    """`open_as(user, path)`: a browser window of that person's own, signed in, on `path`.

    Each person gets a separate browser context, so their cookies never mix.
    """
    contexts = []

    def open_as(user, path: str = "/"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server, user, next_path=path)
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def emails_without_delay(settings):
    """Notification emails are due at once, so the journey need not wait minutes."""
    settings.NOTIFICATION_EMAIL_DELAY = timedelta(0)
