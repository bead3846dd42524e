"""Real Celery workers, private Redis servers and the file outbox, for delivery tests.

Tests marked `worker` start worker processes on a queue of their own against the test
database: what the test commits is what the worker sees. Everything here waits by
polling with a deadline; nothing asserts on elapsed time.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

PROJECT = Path(__file__).resolve().parent.parent
CELERY = PROJECT / ".venv" / "bin" / "celery"
REDIS_SERVER = "redis-server"
TIMEOUT = 90


def wait_for(condition, *, what: str, logs=(), timeout: float = TIMEOUT, every: float = 0.1):
    """Poll `condition` until it returns something truthy, or fail showing the logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    shown = "\n".join(f"--- {Path(log).name}\n{Path(log).read_text()}" for log in logs)
    pytest.fail(f"Timed out waiting for {what}.\n{shown}")


def new_queue() -> str:
    return f"practica-test-{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A throw-away redis-server on a free port, without persistence: stopping it
    loses what it held, like a broker that crashed."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = [
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
        ]
        log = (self.directory / f"redis-{self.port}.log").open("a")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(self.answers, what=f"redis-server on port {self.port}", timeout=20)
        return self

    def answers(self) -> bool:
        try:
            client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


class Worker:
    """A `celery worker` process on one queue, writing emails as files to `outbox_dir`."""

    def __init__(
        self,
        *,
        queue: str,
        outbox_dir: Path,
        log: Path,
        broker_url: str | None = None,
        env: dict[str, str] | None = None,
    ):
        self.queue = queue
        self.outbox_dir = outbox_dir
        self.log = log
        self.broker_url = broker_url or settings.CELERY_BROKER_URL
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict[str, str]:
        database = connection.settings_dict
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "DEBUG": "true",
            "SECRET_KEY": settings.SECRET_KEY,
            "SITE_URL": settings.SITE_URL,
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                f"{database['NAME']}"
            ),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_QUEUE": self.queue,
            "EMAIL_URL": "filemail://",
            "EMAIL_FILE_PATH": str(self.outbox_dir),
            **self.extra_env,
        }

    def start(self) -> Worker:
        command = [
            str(CELERY),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-l",
            "INFO",
            "-Q",
            self.queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{uuid.uuid4().hex[:8]}@%h",
        ]
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("a") as log_file:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT,
                env=self.environment(),
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        wait_for(
            lambda: "ready." in self.log.read_text()[offset:],
            what="the worker to start",
            logs=[self.log],
        )
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, the task in progress is lost."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if not self.alive:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def publishing_to(queue: str, broker_url: str | None = None):
    """Make this process's Celery app publish for real to `queue` on `broker_url`."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.task_default_queue, conf.broker_url)
    _reset_broker_connections()
    conf.task_always_eager = False
    conf.task_default_queue = queue
    conf.broker_url = broker_url or settings.CELERY_BROKER_URL
    try:
        yield
    finally:
        _reset_broker_connections()
        conf.task_always_eager, conf.task_default_queue, conf.broker_url = saved


def _reset_broker_connections() -> None:
    # Celery keeps a connection pool per app and a producer pool on top of it; both
    # come from kombu's registries (keyed by broker URL) on first use, so dropping
    # them makes the next publish use the current URL. They stay open in the registry.
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def forget_queue(queue: str, broker_url: str | None = None) -> None:
    """Delete the queue, its bindings and bookkeeping keys (they carry its name)."""
    try:
        broker = redis.Redis.from_url(broker_url or settings.CELERY_BROKER_URL)
        leftovers = list(broker.scan_iter(match=f"*{queue}*"))
        if leftovers:
            broker.delete(*leftovers)
        broker.close()
    except redis.ConnectionError:
        pass


RECIPIENT = re.compile(r"^To: (.+)$", re.MULTILINE)


def emails_by_recipient(outbox_dir: Path) -> Counter:
    """How many emails the file backend wrote to each address."""
    counts: Counter = Counter()
    for path in outbox_dir.glob("*.log"):
        counts.update(RECIPIENT.findall(path.read_text()))
    return counts


def messages_to(outbox_dir: Path, address: str) -> list[str]:
    separator = "-" * 79
    found = []
    for path in sorted(outbox_dir.glob("*.log")):
        for message in path.read_text().split(separator):
            if f"\nTo: {address}\n" in f"\n{message}":
                found.append(message)
    return found
