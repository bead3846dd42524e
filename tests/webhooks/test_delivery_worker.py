"""Webhook delivery with real processes: a Celery worker started by the test, the real
Redis broker, and the test's receiving HTTP server. A worker killed in the middle of a
delivery does not lose the event: it arrives at least once, with the same webhook-id."""

import pytest

from communities.webhooks import services
from communities.webhooks.models import WebhookDelivery
from tests import builders
from tests.factories import UserFactory
from tests.webhook_receiver import verify
from tests.worker import publishing_to, wait_for

pytestmark = [pytest.mark.worker]

# The worker runs with the real settings: let it send to the receiver on 127.0.0.1.
TO_THE_RECEIVER = {"WEBHOOKS_ALLOW_HTTP": "true", "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true"}


def setup_endpoint(receiver):
    facilitator = UserFactory(display_name="Fay Facilitator")
    community = builders.launch_community(facilitator, without_posts=True)
    endpoint = services.endpoint_create(
        community=community, by=facilitator, url=receiver.url, events=["post.published"]
    )
    return community, facilitator, endpoint


def succeeded() -> bool:
    return WebhookDelivery.objects.filter(status="succeeded").exists()


def test_a_worker_delivers_a_published_post(start_worker, queue, receiver):
    community, facilitator, endpoint = setup_endpoint(receiver)
    worker = start_worker(env=TO_THE_RECEIVER)

    with publishing_to(queue):
        builders.share(community, facilitator, "Handover at the bedside")
        wait_for(succeeded, what="the delivery", logs=[worker.log])

    [request] = receiver.received()
    assert verify(endpoint.secret, request)
    assert request.payload["data"]["post"]["title"] == "Handover at the bedside"


def test_a_worker_killed_mid_delivery_still_delivers_with_the_same_webhook_id(
    start_worker, queue, receiver
):
    community, facilitator, endpoint = setup_endpoint(receiver)
    # The killed worker's message comes back after 4 s (an hour in production) and its
    # claim expires after 2 s (a minute in production).
    recovery = {**TO_THE_RECEIVER, "WORKER_VISIBILITY_TIMEOUT": "4", "WEBHOOKS_CLAIM_TIMEOUT": "2"}
    receiver.delay = 30  # the receiver takes the request and keeps the worker waiting
    first = start_worker("first", env=recovery)

    with publishing_to(queue):
        builders.share(community, facilitator, "Handover at the bedside")
        wait_for(receiver.received, what="the first attempt", logs=[first.log])
        first.kill()
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending" and delivery.claimed_until is not None

        receiver.delay = 0
        second = start_worker("second", env=recovery)

        def delivered():
            services.deliveries_sweep()  # what beat runs every minute
            return succeeded()

        wait_for(delivered, what="the delivery after the kill", logs=[first.log, second.log])

    requests = receiver.received()
    assert len(requests) >= 2
    assert {r.webhook_id for r in requests} == {delivery.webhook_id}
    assert all(verify(endpoint.secret, r) for r in requests)
    delivery.refresh_from_db()
    assert delivery.attempts >= 2
    assert "Task webhooks.deliver" in second.log.read_text()
