"""Delivery guarantees with real processes: a Celery worker started by the test, the
real Redis broker (or a private one the test may stop), and emails written to files.

Each test counts what the file backend wrote per recipient: exactly one digest per
member, whatever crashed or ran twice on the way.
"""

import threading
from datetime import timedelta
from email import message_from_string

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from members import digests, outbox
from members.models import DigestDelivery, OutboundEmail
from members.tasks import send_digest_batch
from tests import digest_builders as build
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.worker import (
    RedisServer,
    emails_by_recipient,
    messages_to,
    publishing_to,
    wait_for,
)

pytestmark = [pytest.mark.worker]


def readers(count: int):
    community = build.community()
    build.experience(community, title="Bedside handover", learned="Ask the patient first.")
    return [build.member(community) for _ in range(count)]


def deliveries(status=DigestDelivery.Status.SENT) -> int:
    return DigestDelivery.objects.filter(status=status).count()


def all_sent(count: int) -> bool:
    return (
        deliveries() == count
        and OutboundEmail.objects.filter(kind="digest", status="sent").count() == count
    )


def test_a_digest_is_delivered_once(start_worker, queue, outbox_dir):
    members = readers(3)
    worker = start_worker()

    with publishing_to(queue):
        assert digests.dispatch(ignore_schedule=True) == 1
        wait_for(lambda: all_sent(3), what="three digests", logs=[worker.log])
        # Running the same batch again, as a redelivered message would, sends nothing.
        [period] = DigestDelivery.objects.values_list("period", flat=True).distinct()
        since = (timezone.now() - timedelta(days=7)).isoformat()
        send_digest_batch.delay([m.pk for m in members], period, since)
        wait_for(
            lambda: "'skipped': 3" in worker.log.read_text(),
            what="the repeated batch",
            logs=[worker.log],
        )
        assert digests.dispatch(ignore_schedule=True) == 0

    assert emails_by_recipient(outbox_dir) == {m.email: 1 for m in members}
    [message] = messages_to(outbox_dir, members[0].email)
    assert "Bedside handover" in message
    headers = message_from_string(message.strip())
    assert " ".join(headers["List-Unsubscribe"].split()).startswith("<http")
    assert "/digest/unsubscribe/" in headers["List-Unsubscribe"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_worker_killed_mid_batch_and_restarted_sends_each_digest_exactly_once(
    start_worker, queue, outbox_dir, settings
):
    count = 240
    members = readers(count)
    # The restarted worker gets the killed worker's message back after 4 s (an hour in
    # production) and takes over claims older than 2 s (10 minutes in production).
    recovery = {"WORKER_VISIBILITY_TIMEOUT": "4", "DIGEST_CLAIM_TIMEOUT": "2"}
    first = start_worker("first", env=recovery)

    with publishing_to(queue):
        settings.DIGEST_BATCH_SIZE = count
        assert digests.dispatch(ignore_schedule=True) == 1
        # The batch claims its members' rows together, then renders them all, then
        # records them together: killed in between, every claim is left unfinished.
        wait_for(
            lambda: deliveries(DigestDelivery.Status.CLAIMED) == count,
            what="the batch to be under way",
            logs=[first.log],
            every=0.01,
        )
        first.kill()
        assert deliveries() == 0, "the batch finished before the kill: use more members"
        assert deliveries(DigestDelivery.Status.CLAIMED) == count

        second = start_worker("second", env=recovery)
        wait_for(
            lambda: deliveries() == count,
            what="the redelivered batch to finish every digest",
            logs=[first.log, second.log],
        )
        # An email committed just before the kill may have missed its publish; the
        # periodic outbox sweep is what sends those.
        outbox.outbox_sweep()
        wait_for(lambda: all_sent(count), what="every email", logs=[second.log])

    sent = emails_by_recipient(outbox_dir)
    assert sent == {m.email: 1 for m in members}
    assert DigestDelivery.objects.count() == count
    assert OutboundEmail.objects.filter(kind="digest").count() == count
    assert "Task members.send_digest_batch" in second.log.read_text()


def test_two_dispatchers_at_the_same_time_send_each_digest_once(
    start_worker, queue, outbox_dir, settings
):
    count = 60
    members = readers(count)
    settings.DIGEST_BATCH_SIZE = 10
    workers = [start_worker("one"), start_worker("two")]
    barrier = threading.Barrier(2)
    published = []

    def dispatcher():
        try:
            barrier.wait(timeout=10)
            published.append(digests.dispatch(ignore_schedule=True))
        finally:
            connection.close()

    with publishing_to(queue):
        threads = [threading.Thread(target=dispatcher) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        wait_for(lambda: all_sent(count), what="every digest", logs=[w.log for w in workers])

    assert sum(published) >= 7  # both dispatchers published batches
    assert emails_by_recipient(outbox_dir) == {m.email: 1 for m in members}
    assert DigestDelivery.objects.count() == count


def test_with_redis_down_the_request_is_saved_and_its_email_goes_out_when_redis_is_back(
    start_worker, queue, outbox_dir, tmp_path, client
):
    broker = RedisServer(tmp_path).start()
    try:
        community = CommunityFactory(on_request=True, name="Night shift circle")
        facilitator = MembershipFactory(community=community, facilitator=True).user
        applicant = UserFactory()
        worker = start_worker(broker_url=broker.url)
        client.force_login(applicant)

        with publishing_to(queue, broker.url):
            broker.stop()
            response = client.post(
                reverse("communities:join", args=[community.slug]),
                {"accept_rules": "on", "accepted_rules": "on"},
            )

            assert response.status_code == 302
            assert community.memberships.filter(user=applicant, status="pending").exists()
            email = OutboundEmail.objects.get(to=facilitator.email)
            assert email.status == OutboundEmail.Status.PENDING
            assert not any(outbox_dir.iterdir())

            broker.start()
            wait_for(outbox.outbox_sweep, what="the sweep to publish", logs=[worker.log])
            wait_for(
                lambda: OutboundEmail.objects.filter(pk=email.pk, status="sent").exists(),
                what="the worker to send the email once Redis is back",
                logs=[worker.log],
            )
    finally:
        broker.stop()

    assert emails_by_recipient(outbox_dir) == {facilitator.email: 1}


def test_with_redis_down_a_comment_is_saved_and_the_reply_email_goes_out_when_redis_is_back(
    start_worker, queue, outbox_dir, tmp_path, client, settings
):
    from members.models import Notification
    from members.notifications import send_notification_emails
    from practices import services as practices_services

    settings.NOTIFICATION_EMAIL_DELAY = timedelta(0)
    broker = RedisServer(tmp_path).start()
    try:
        community = CommunityFactory(name="Night shift circle")
        author = MembershipFactory(community=community).user
        commenter = MembershipFactory(community=community).user
        post = practices_services.post_create(
            community=community,
            author=author,
            kind="experience",
            data={"title": "Bedside handover", "tried": "t", "happened": "h", "learned": "l"},
        )
        worker = start_worker(broker_url=broker.url)
        client.force_login(commenter)

        with publishing_to(queue, broker.url):
            broker.stop()
            response = client.post(
                reverse("practices:comment_create", args=[community.slug, post.pk]),
                {"body": "We tried this on our ward too."},
            )

            assert response.status_code == 302
            assert post.comments.filter(author=commenter).exists()
            assert Notification.objects.filter(recipient=author, kind="reply").exists()
            # With the broker down the due reply is claimed into the outbox, not lost.
            send_notification_emails()
            email = OutboundEmail.objects.get(to=author.email)
            assert email.status == OutboundEmail.Status.PENDING
            assert not any(outbox_dir.iterdir())

            broker.start()
            wait_for(outbox.outbox_sweep, what="the sweep to publish", logs=[worker.log])
            wait_for(
                lambda: OutboundEmail.objects.filter(pk=email.pk, status="sent").exists(),
                what="the worker to send the reply email once Redis is back",
                logs=[worker.log],
            )
    finally:
        broker.stop()

    assert emails_by_recipient(outbox_dir) == {author.email: 1}
