"""A worker told to stop (SIGTERM, as systemd and Docker do) finishes the task it runs,
takes no new one, and leaves the rest in the queue for the next worker."""

import pytest

from members import digests
from members.models import DigestDelivery, OutboundEmail
from tests import digest_builders as build
from tests.ops.scaleout import bulk_readers
from tests.worker import (
    Worker,
    emails_by_recipient,
    forget_queue,
    new_queue,
    publishing_to,
    wait_for,
)

pytestmark = [pytest.mark.ops, pytest.mark.worker]

MEMBERS = 30


def test_sigterm_lets_the_worker_finish_its_batch_and_nothing_is_lost(
    transactional_db, tmp_path, settings
):
    community = build.community()
    build.experience(community, title="Bedside handover")
    bulk_readers(community, MEMBERS)
    queue = new_queue()
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    first = Worker(queue=queue, outbox_dir=outbox, log=tmp_path / "first.log").start()
    second = None
    try:
        with publishing_to(queue):
            settings.DIGEST_BATCH_SIZE = MEMBERS
            assert digests.dispatch(ignore_schedule=True) == 1
            wait_for(
                lambda: DigestDelivery.objects.count() >= 5,
                what="the batch to be under way",
                logs=[first.log],
                every=0.02,
            )
            first.process.terminate()
            first.process.wait(timeout=240)
            assert first.process.returncode == 0, first.log.read_text()

            # The batch it was running was finished, not abandoned.
            assert DigestDelivery.objects.filter(status="sent").count() == MEMBERS
            # The emails queued behind it were left in the queue, not taken and dropped.
            waiting = OutboundEmail.objects.filter(kind="digest").exclude(status="sent").count()
            assert waiting > 0, "every email went out before the worker stopped"
            assert not OutboundEmail.objects.filter(status="failed").exists()

            second = Worker(queue=queue, outbox_dir=outbox, log=tmp_path / "second.log").start()
            wait_for(
                lambda: (
                    OutboundEmail.objects.filter(kind="digest", status="sent").count() == MEMBERS
                ),
                what="the next worker to send the rest",
                logs=[first.log, second.log],
            )
    finally:
        first.stop()
        if second:
            second.stop()
        forget_queue(queue)

    assert "warm shutdown" in first.log.read_text().lower()
    sent = emails_by_recipient(outbox)
    assert len(sent) == MEMBERS
    assert set(sent.values()) == {1}
