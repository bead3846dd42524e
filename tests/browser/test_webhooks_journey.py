"""A facilitator registers a webhook pointing at a real receiver, sends a test event and
sees it succeed in the delivery log, then replaces the secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import builders
from tests.conftest import ARTIFACTS
from tests.factories import UserFactory
from tests.webhook_receiver import verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()


def accessibility_violations(page) -> list[str]:
    return page.evaluate(AXE + "\n;axe.run(document).then(r => r.violations.map(v => v.id))")


def test_a_facilitator_registers_a_webhook_and_sees_its_test_event_succeed(open_as, receiver):
    facilitator = UserFactory(display_name="Fay Facilitator")
    community = builders.launch_community(facilitator, without_posts=True)
    page = open_as(facilitator, f"/c/{community.slug}/manage/")

    page.get_by_role("link", name="Webhooks").click()
    assert page.get_by_text("No webhooks yet.").is_visible()
    assert accessibility_violations(page) == []
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("Team chat")
    page.get_by_label("A post is published").check()
    page.get_by_label("Content is reported to the facilitators").check()
    page.get_by_role("button", name="Add endpoint").click()

    secret = page.locator("#webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    assert page.get_by_text("Nothing sent yet.").is_visible()
    page.get_by_role("button", name="Send test event").click()
    row = page.locator('.webhook-log__row[data-status="succeeded"]')
    row.wait_for()
    assert "ping" in row.inner_text()
    assert "HTTP 200" in row.inner_text()
    assert page.get_by_text("A test event was sent").is_visible()
    assert accessibility_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "webhook-log.png"), full_page=True)

    [request] = receiver.received()
    assert request.payload["type"] == "ping"
    assert verify(secret, request)

    # Redeliver from the log: the receiver sees the same webhook-id again.
    page.get_by_role("button", name="Redeliver").click()
    page.get_by_text("sent again, with the same webhook-id").wait_for()
    assert [r.webhook_id for r in receiver.received()] == [request.webhook_id] * 2

    page.get_by_role("button", name="Replace the secret").click()
    page.get_by_text("The endpoint has a new signing secret").wait_for()
    assert page.locator("#webhook-secret").inner_text() != secret
