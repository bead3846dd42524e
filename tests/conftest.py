import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.factories import StaffFactory, UserFactory

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def _forget_rate_limits():
    """Delete this process's cache keys (allauth's rate limits) around every test.

    The test settings give each process its own key prefix, so parallel runs and the
    development server keep their keys; the shared Redis database is never flushed.
    """
    redis = cache._cache.get_client(write=True)
    pattern = f"{settings.CACHES['default']['KEY_PREFIX']}:*"

    def forget():
        keys = list(redis.scan_iter(match=pattern, count=500))
        if keys:
            redis.delete(*keys)

    forget()
    yield
    forget()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return StaffFactory()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; a missing browser fails the test."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "chromium is not installed: the browser tests need Debian's chromium"
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by
    # the tests themselves are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=executable,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(browser, request):
    """A fresh browser page; a full-page screenshot is kept in test-artifacts/ afterwards."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    finally:
        context.close()
