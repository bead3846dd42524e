"""More than one machine, on one machine: two gunicorn servers taking turns, two Celery
workers sharing a large digest, one beat, and a worker killed in the middle.

Everything that must be shared lives in PostgreSQL or Redis; these tests fail if a
process keeps state of its own (sessions, messages, CSRF secrets, digest progress).
Durations are printed for the notes, never asserted.
"""

import os
import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from communities.models import Membership
from members.models import DigestDelivery, OutboundEmail
from members.outbox import outbox_sweep
from tests import digest_builders as build
from tests.factories import KNOWN_PASSWORD, CommunityFactory, MembershipFactory, UserFactory
from tests.ops.scaleout import Browser, WebServer, bulk_readers, page_text, process_environment
from tests.worker import (
    CELERY,
    PROJECT,
    RedisServer,
    Worker,
    emails_by_recipient,
    new_queue,
    publishing_to,
    wait_for,
)

pytestmark = [pytest.mark.ops, pytest.mark.worker]


@pytest.fixture
def redis_server(tmp_path):
    """A private Redis for broker and cache: nothing shared with other test runs."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def web_servers(transactional_db, redis_server, tmp_path):
    servers = [
        WebServer(redis_url=redis_server.url, log=tmp_path / f"web-{name}.log")
        for name in ("a", "b")
    ]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_sessions_messages_and_csrf_work_across_two_web_processes(web_servers):
    a, b = web_servers
    member = UserFactory(display_name="Grace Hopper")
    community = CommunityFactory(name="Night shift circle")
    MembershipFactory(community=community, facilitator=True)
    browser = Browser()

    # The sign-in form comes from one server and is posted to the other.
    form = browser.get(a, "/accounts/login/")
    assert form.status == 200
    signed_in = browser.post(
        b,
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": form.csrf_token(),
            "login": member.email,
            "password": KNOWN_PASSWORD,
        },
    )
    assert signed_in.status == 302, page_text(signed_in)[:2000]

    # The session made by B signs the member in on A; B's message shows on A.
    home = browser.get(a, "/")
    assert home.status == 200
    assert "Sign out" in page_text(home)
    assert "Successfully signed in as Grace Hopper." in page_text(home)
    assert "Successfully signed in" not in page_text(browser.get(b, "/"))

    # A form rendered by B, posted to A: join the community.
    join_form = browser.get(b, f"/c/{community.slug}/join/")
    assert join_form.status == 200
    joined = browser.post(
        a,
        f"/c/{community.slug}/join/",
        {
            "csrfmiddlewaretoken": join_form.csrf_token(),
            "accept_rules": "on",
            "accepted_rules": "on",
        },
    )
    assert joined.status == 302, page_text(joined)[:2000]
    assert community.memberships.filter(user=member, status=Membership.Status.ACTIVE).exists()
    welcome = browser.get(b, joined.headers["Location"].removeprefix("https://practica.test"))
    assert welcome.status == 200
    assert "Night shift circle" in page_text(welcome)

    # Without the CSRF token, either server refuses the post.
    forged = browser.post(b, f"/c/{community.slug}/leave/", {})
    assert forged.status == 403

    # Signing out on A ends the session on B.
    sign_out_form = browser.get(a, "/")
    browser.post(a, "/accounts/logout/", {"csrfmiddlewaretoken": sign_out_form.csrf_token()})
    assert "Sign out" not in page_text(browser.get(b, "/"))

    # Both servers answered every kind of request: one JSON line each, with its route.
    for server in (a, b):
        assert '"event": "request"' in server.log.read_text()


class Beat:
    """`celery beat` with the database scheduler, as production runs it: exactly one."""

    def __init__(self, *, redis_url: str, queue: str, log, env: dict[str, str]):
        self.log = log
        self.env = process_environment(
            redis_url,
            DJANGO_SETTINGS_MODULE="tests.worker_settings",
            CELERY_BROKER_URL=redis_url,
            CELERY_QUEUE=queue,
            **env,
        )
        self.process = None

    def start(self):
        import subprocess

        with self.log.open("a") as log_file:
            self.process = subprocess.Popen(
                [str(CELERY), "-A", "config", "beat", "--loglevel=INFO"],
                cwd=PROJECT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


# The suite's size keeps the test within a couple of minutes on a busy two-core
# machine; `python -m benchmarks.digest_workers` times 10,000 members on one and on two
# workers. SCALE_OUT_MEMBERS runs this test at another size.
MEMBERS = int(os.environ.get("SCALE_OUT_MEMBERS", "400"))
BATCH = max(MEMBERS // 20, 10)


def digest_batches_by_worker(workers) -> dict[str, int]:
    """How many digest batches each worker received (the killed one never finished its
    last)."""
    received = re.compile(r"Task members\.send_digest_batch\[[0-9a-f-]+\] received")
    return {worker.log.name: len(received.findall(worker.log.read_text())) for worker in workers}


def in_a_digest_batch(worker: Worker) -> bool:
    """The worker's last task log line is a digest batch it received and has not
    finished: it is in the middle of one."""
    lines = [
        line
        for line in worker.log.read_text().splitlines()
        if "Task members." in line and (" received" in line or " succeeded" in line)
    ]
    return bool(lines) and "send_digest_batch" in lines[-1] and " received" in lines[-1]


def test_two_workers_share_a_large_digest_and_a_killed_worker_loses_nothing(
    transactional_db, redis_server, tmp_path, capsys
):
    community = build.community(name="Ward handovers")
    build.experience(community, title="Bedside handover", learned="Ask the patient first.")
    started = time.monotonic()
    member_ids = bulk_readers(community, MEMBERS, cadence="daily")
    created_in = time.monotonic() - started
    queue = new_queue()
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    now = timezone.now()
    # Workers and beat see the current hour as the send hour: beat's one dispatch finds
    # every member due. A killed worker's message comes back after 30 s (an hour in
    # production), when its claims count as abandoned (10 minutes in production). Both
    # stay above a batch's run time, or live batches would be handed out twice.
    common = {
        "DIGEST_SEND_HOUR": str(now.hour),
        "DIGEST_BATCH_SIZE": str(BATCH),
        "WORKER_VISIBILITY_TIMEOUT": "30",
        "DIGEST_CLAIM_TIMEOUT": "30",
        "LOG_FORMAT": "console",
    }
    workers = [
        Worker(
            queue=queue,
            outbox_dir=outbox,
            log=tmp_path / f"worker-{name}.log",
            broker_url=redis_server.url,
            env={**common, "REDIS_URL": redis_server.url},
        )
        for name in ("one", "two")
    ]
    # Beat fans the digest out once, through the scheduler's database, like the
    # 15-minute schedule does at the send hour.
    PeriodicTask.objects.create(
        name="scale-out dispatch",
        task="members.dispatch_digests",
        interval=IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS),
        one_off=True,
    )
    beat = Beat(redis_url=redis_server.url, queue=queue, log=tmp_path / "beat.log", env=common)
    logs = [w.log for w in workers] + [beat.log]
    try:
        for worker in workers:
            worker.start()
        run_started = time.monotonic()
        beat.start()
        wait_for(
            lambda: DigestDelivery.objects.count() >= MEMBERS // 5,
            what="the digest to be under way",
            logs=logs,
            timeout=300,
        )
        # Kill the first worker while it is inside a batch (not while it sends an email,
        # which the outbox would rightly refuse to send twice).
        wait_for(lambda: in_a_digest_batch(workers[0]), what="a batch", logs=logs, every=0.005)
        workers[0].kill()
        killed_at = DigestDelivery.objects.filter(status="sent").count()
        assert killed_at < MEMBERS, "the digest finished before the kill"

        wait_for(
            lambda: DigestDelivery.objects.filter(status="sent").count() == MEMBERS,
            what="every digest to be claimed and queued",
            logs=logs,
            timeout=900,
        )
        digests_done = time.monotonic() - run_started
        with publishing_to(queue, redis_server.url):
            # An email committed just before the kill may have missed its publish: the
            # outbox sweep (beat's every minute) sends it.
            outbox_sweep()
            wait_for(
                lambda: (
                    OutboundEmail.objects.filter(kind="digest", status="sent").count() == MEMBERS
                ),
                what="every digest email",
                logs=logs,
                timeout=900,
            )
        emails_done = time.monotonic() - run_started
    finally:
        beat.stop()
        for worker in workers:
            worker.stop()

    batches = digest_batches_by_worker(workers)
    with capsys.disabled():
        print(
            f"\nscale-out digest: {MEMBERS} members in batches of {BATCH}, "
            f"created in {created_in:.1f} s; "
            f"two workers (one killed after {killed_at} digests) queued every digest in "
            f"{digests_done:.1f} s, delivered every email in {emails_done:.1f} s; "
            f"digest batches received per worker: {batches}"
        )
    # Both workers took batches, beat dispatched once.
    assert all(count > 0 for count in batches.values()), batches
    assert "Sending due task scale-out dispatch" in beat.log.read_text()
    # Exactly one digest per member, nothing lost, nothing failed.
    assert DigestDelivery.objects.count() == MEMBERS
    assert set(DigestDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert OutboundEmail.objects.filter(kind="digest").count() == MEMBERS
    assert not OutboundEmail.objects.exclude(status="sent").exists()
    sent = emails_by_recipient(outbox)
    assert len(sent) == MEMBERS
    assert set(sent.values()) == {1}
    assert set(DigestDelivery.objects.values_list("user_id", flat=True)) == set(member_ids)
    assert now - timedelta(hours=1) < DigestDelivery.objects.earliest("claimed_at").claimed_at
