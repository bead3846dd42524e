import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse

from config.celery import app as celery_app
from members.models import OutboundEmail

PROJECT = Path(__file__).resolve().parent.parent
CELERY = PROJECT / ".venv" / "bin" / "celery"
TIMEOUT = 60


def wait_for(condition, *, what: str, log: Path, timeout: float = TIMEOUT):
    """Poll `condition` until it returns something truthy, or fail with the worker's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"Timed out waiting for {what}. Worker log:\n{log.read_text()}")


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A real Celery worker process on a queue of its own, writing emails to files.

    It reads the test database, so what the test commits is what the worker sees.
    """
    queue = f"practica-test-{uuid.uuid4().hex[:12]}"
    outbox_dir = tmp_path / "sent-emails"
    outbox_dir.mkdir()
    log = tmp_path / "worker.log"
    database = connection.settings_dict
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "SECRET_KEY": "worker-test-secret-key",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": queue,
        "EMAIL_URL": "filemail://",
        "EMAIL_FILE_PATH": str(outbox_dir),
    }
    command = [
        str(CELERY),
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "-l",
        "INFO",
        "-Q",
        queue,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.task_default_queue)
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: "ready." in log.read_text(), what="the worker to start", log=log)
        conf.task_always_eager = False
        conf.task_default_queue = queue
        yield {"outbox_dir": outbox_dir, "log": log, "process": process}
    finally:
        conf.task_always_eager, conf.task_default_queue = saved
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        # The queue, its bindings and their bookkeeping keys all carry the queue's name.
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        leftovers = list(broker.scan_iter(match=f"*{queue}*"))
        if leftovers:
            broker.delete(*leftovers)
        broker.close()


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
        lambda: sorted(worker["outbox_dir"].glob("*.log")),
        what="the worker to write the email",
        log=worker["log"],
    )
    wait_for(
        lambda: OutboundEmail.objects.filter(
            pk=email.pk, status=OutboundEmail.Status.SENT
        ).exists(),
        what="the outbox row to be marked sent",
        log=worker["log"],
    )

    [written] = files
    content = written.read_text()
    assert "To: grace@practica.test" in content
    assert "/accounts/confirm-email/" in content
    assert "text/html" in content
    email.refresh_from_db()
    assert email.attempts == 1
    assert worker["process"].poll() is None
    assert "members.deliver_email" in worker["log"].read_text()
