import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from tests import builders
from tests.factories import StaffFactory, UserFactory
from tests.oidc_provider.fixtures import identity_provider, sso  # noqa: F401

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


@pytest.fixture
def render_every_request(settings):
    """Query budgets hold what rendering a page costs; signed-out visitors get pages from
    the cache after the first request (tests/practices/test_page_cache.py)."""
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 0


# --- Personas --------------------------------------------------------------------------
# A facilitator who launched `community` through the services, its members, and an
# outsider. A test directory or module that needs another community overrides
# `community`; `member` and `other_member` then belong to that one.


@pytest.fixture
def facilitator(db):
    return UserFactory(display_name="Fay Facilitator")


@pytest.fixture
def community(facilitator):
    """A launched, public, open community without posts."""
    return builders.launch_community(facilitator, without_posts=True)


@pytest.fixture
def private_community(facilitator):
    """A launched community only its members can see, without posts."""
    return builders.launch_community(
        facilitator, name="Private circle", visibility="members", without_posts=True
    )


@pytest.fixture
def member(community):
    return builders.add_member(community, UserFactory(display_name="Mia Member")).user


@pytest.fixture
def other_member(community):
    return builders.add_member(community, UserFactory(display_name="Omar Other")).user


@pytest.fixture
def outsider(db):
    return UserFactory(display_name="Otto Outsider")


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


# --- Real Celery workers (tests marked `worker`) -------------------------------------


@pytest.fixture
def outbox_dir(tmp_path):
    """Where the workers' file email backend writes what they send."""
    path = tmp_path / "sent-emails"
    path.mkdir()
    return path


@pytest.fixture
def queue():
    """A Celery queue of the test's own, forgotten afterwards."""
    from tests.worker import forget_queue, new_queue

    name = new_queue()
    yield name
    forget_queue(name)


@pytest.fixture
def start_worker(transactional_db, tmp_path, outbox_dir, queue):
    """Start workers on the test's queue; all are stopped at the end of the test."""
    from tests.worker import Worker

    started = []

    def start(name: str = "worker", **kwargs) -> Worker:
        worker = Worker(queue=queue, outbox_dir=outbox_dir, log=tmp_path / f"{name}.log", **kwargs)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def receiver():
    """A real HTTP server on a free port that records the webhooks it receives."""
    from tests.webhook_receiver import Receiver

    server = Receiver().start()
    yield server
    server.stop()
