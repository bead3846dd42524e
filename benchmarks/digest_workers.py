"""How long one and two Celery workers take to send a large digest.

    .venv/bin/python -m benchmarks.digest_workers [--members 10000] [--batch 200]

A throw-away database (`$BENCH_DB_PREFIX_workers`, else `<DATABASE_URL's name>_digest_workers`;
`BENCH_DATABASE_NAME` names it outright) and a Redis of its own (`BENCH_REDIS_URL`, else a
private redis-server on a free port), so two benches can share a machine;
members are written in bulk. For each worker count: dispatch every member's digest,
then wait until every digest is claimed and queued, and until every email is delivered
(to files). Prints the times and the machine's load; never part of the tests.
"""

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")


def _database_url() -> tuple[str, str]:
    import environ

    environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/practica")
    root, name = base.rsplit("/", 1)
    prefix = os.environ.get("BENCH_DB_PREFIX")
    default = f"{prefix}_workers" if prefix else f"{name}_digest_workers"
    target = os.environ.get("BENCH_DATABASE_NAME", default)
    return root, target


def _recreate(root: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{root}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class SharedRedis:
    """A Redis database the bench was given (BENCH_REDIS_URL): emptied, never stopped."""

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        redis.Redis.from_url(url).flushdb()

    def stop(self) -> None:
        pass


def main() -> int:
    # Stopped early (Ctrl-C, SIGTERM): still stop the workers and Redis it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()

    root, name = _database_url()
    _recreate(root, name)
    os.environ["DATABASE_URL"] = f"{root}/{name}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.conf import settings

    # The dispatcher (this process) cuts the batches; the workers get the same size.
    settings.DIGEST_BATCH_SIZE = options.batch

    from members import digests
    from members.models import DigestDelivery, OutboundEmail
    from tests import digest_builders as build
    from tests.ops.scaleout import bulk_readers
    from tests.worker import RedisServer, Worker, new_queue, publishing_to, wait_for

    community = build.community(name="Ward handovers")
    build.experience(community, title="Bedside handover", learned="Ask the patient first.")
    started = time.monotonic()
    bulk_readers(community, options.members)
    print(f"{options.members} members written in {time.monotonic() - started:.1f} s")

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        broker = (
            SharedRedis(os.environ["BENCH_REDIS_URL"])
            if os.environ.get("BENCH_REDIS_URL")
            else RedisServer(scratch).start()
        )
        try:
            for run, count in enumerate(options.workers):
                DigestDelivery.objects.all().delete()
                OutboundEmail.objects.all().delete()
                queue = new_queue()
                outbox = scratch / f"outbox-{run}-{count}"
                outbox.mkdir()
                workers = [
                    Worker(
                        queue=queue,
                        outbox_dir=outbox,
                        log=scratch / f"worker-{run}-{count}-{n}.log",
                        broker_url=broker.url,
                        env={"DIGEST_BATCH_SIZE": str(options.batch)},
                    ).start()
                    for n in range(count)
                ]
                load_before = os.getloadavg()[0]
                try:
                    with publishing_to(queue, broker.url):
                        started = time.monotonic()
                        batches = digests.dispatch(ignore_schedule=True)
                        wait_for(
                            lambda: (
                                DigestDelivery.objects.filter(status="sent").count()
                                == options.members
                            ),
                            what="every digest",
                            timeout=4 * 3600,
                            every=0.5,
                        )
                        queued = time.monotonic() - started
                        wait_for(
                            lambda: (
                                OutboundEmail.objects.filter(status="sent").count()
                                == options.members
                            ),
                            what="every email",
                            timeout=4 * 3600,
                            every=0.5,
                        )
                        delivered = time.monotonic() - started
                finally:
                    for worker in workers:
                        worker.stop()
                print(
                    f"{count} worker(s): {batches} batches of {options.batch}; every digest "
                    f"queued in {queued:.1f} s, every email delivered in {delivered:.1f} s "
                    f"({options.members / delivered:.1f} members/s); load average "
                    f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
                )
        finally:
            broker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
