"""A real Celery worker process delivers the sign-up verification email: the request
itself only records the email in the outbox and publishes a task."""

import pytest
from django.core import mail
from django.urls import reverse

from members.models import OutboundEmail
from tests.worker import Worker, forget_queue, new_queue, publishing_to, wait_for


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A worker on a queue of its own, reading the test database, writing emails to files."""
    queue = new_queue()
    outbox_dir = tmp_path / "sent-emails"
    outbox_dir.mkdir()
    worker = Worker(queue=queue, outbox_dir=outbox_dir, log=tmp_path / "worker.log")
    try:
        worker.start()
        with publishing_to(queue):
            yield worker
    finally:
        worker.stop()
        forget_queue(queue)


@pytest.mark.worker
def test_a_real_worker_sends_the_sign_up_verification_email(client, worker):
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Grace Hopper",
            "email": "grace@practica.test",
            "password1": "a-fresh-and-long-passphrase",
            "password2": "a-fresh-and-long-passphrase",
        },
    )

    assert response.status_code == 302
    # The request only recorded the email and published a task.
    assert mail.outbox == []
    email = OutboundEmail.objects.get(to="grace@practica.test")

    files = wait_for(
        lambda: sorted(worker.outbox_dir.glob("*.log")),
        what="the worker to write the email",
        logs=[worker.log],
    )
    wait_for(
        lambda: OutboundEmail.objects.filter(
            pk=email.pk, status=OutboundEmail.Status.SENT
        ).exists(),
        what="the outbox row to be marked sent",
        logs=[worker.log],
    )

    [written] = files
    content = written.read_text()
    assert "To: grace@practica.test" in content
    assert "/accounts/confirm-email/" in content
    assert "text/html" in content
    email.refresh_from_db()
    assert email.attempts == 1
    assert worker.alive
    assert "members.deliver_email" in worker.log.read_text()
