"""Timings of Practica's hot paths on a throw-away database. Run with `make bench`.

Never part of the test suite: tests assert behaviour and query counts, this prints
wall-clock numbers for people to compare between changes.
"""

import os
import statistics
import sys
import time
from contextlib import contextmanager

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")
BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "practica_bench")


def _database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/practica")
    return base.rsplit("/", 1)[0] + "/" + BENCH_DB


def _recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


@contextmanager
def timer(label: str, runs: list[float]):
    start = time.perf_counter()
    yield
    runs.append(time.perf_counter() - start)


def report(label: str, runs: list[float]) -> None:
    ms = [r * 1000 for r in runs]
    print(
        f"{label:<55} median {statistics.median(ms):8.1f} ms   max {max(ms):8.1f} ms  (n={len(ms)})"
    )


def main() -> int:
    os.environ["DATABASE_URL"] = _database_url()
    _recreate_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)

    from benchmarks import data

    client = Client()
    for size in (50, 1000):
        community, member = data.build(size)
        client.force_login(member)
        for label, url in data.pages(community):
            runs: list[float] = []
            for _ in range(15):
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as queries, timer(label, runs):
                    response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            report(f"{label} ({size} rows, {len(queries)} queries)", runs)
    runs = []
    with timer("outbox", runs):
        sent = data.deliver_outbox(500)
    report(f"outbox: deliver {sent} queued emails", runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
