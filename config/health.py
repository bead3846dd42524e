"""Liveness and readiness checks, shared by `/healthz`, `/readyz` and `manage.py healthcheck`.

Each check is cheap (a ping, a `SELECT 1`, one indexed aggregate) and reports a
status, a duration and a few numbers, never an error message that could carry a
password or a host name:

- `ok`: fine.
- `warn`: the site works but needs attention (outbox backlog, beat late). Site-wide
  conditions like these do not take a web process out of the load balancer, where
  it could not help; monitoring sees them (`healthcheck` exits 1).
- `fail`: this process cannot serve (database, broker or cache unreachable,
  migrations missing): `/readyz` answers 503.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

OK, WARN, FAIL = "ok", "warn", "fail"
_SEVERITY = {OK: 0, WARN: 1, FAIL: 2}


@dataclass
class CheckResult:
    name: str
    status: str
    duration_ms: float = 0.0
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"status": self.status, "duration_ms": round(self.duration_ms, 2), **self.details}


@dataclass
class Report:
    checks: list[CheckResult]

    @property
    def status(self) -> str:
        worst = max((_SEVERITY[c.status] for c in self.checks), default=0)
        return {0: OK, 1: WARN, 2: FAIL}[worst]

    @property
    def ready(self) -> bool:
        return self.status != FAIL

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "checks": {check.name: check.as_dict() for check in self.checks},
        }


def _threshold(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# --- The checks ----------------------------------------------------------------------------


def check_database() -> dict:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_broker() -> dict:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=2)
        # Redis transport: one PING proves the broker answers, not just that a socket opened.
        client = getattr(conn.default_channel, "client", None)
        if client is not None:
            client.ping()
    return {}


def check_cache() -> dict:
    from django.core.cache import cache

    key = "health:probe"
    cache.set(key, "1", timeout=30)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    return {}


_migrations_applied_at: float | None = None


def check_migrations() -> dict:
    """No unapplied migration. Building the migration graph costs tens of milliseconds,
    so a positive answer is remembered for a minute by this process (migrations run
    before new code starts, so once applied they stay applied)."""
    global _migrations_applied_at
    if _migrations_applied_at and time.monotonic() - _migrations_applied_at < 60:
        return {"pending": 0}
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        _migrations_applied_at = None
        return {"status": FAIL, "pending": len(plan)}
    _migrations_applied_at = time.monotonic()
    return {"pending": 0}


def check_outbox() -> dict:
    """Emails due but not sent, and how long the oldest has waited (the partial index on
    pending rows serves both)."""
    from django.db.models import Count, Min

    from members.models import OutboundEmail

    now = timezone.now()
    row = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.PENDING, available_at__lte=now
    ).aggregate(backlog=Count("pk"), oldest=Min("available_at"))
    age = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    too_many = row["backlog"] > _threshold("HEALTH_OUTBOX_MAX_BACKLOG", 1000)
    too_old = age > _threshold("HEALTH_OUTBOX_MAX_AGE", 15 * 60)
    return {
        "status": WARN if too_many or too_old else OK,
        "backlog": row["backlog"],
        "oldest_age_seconds": round(age, 1),
    }


def check_beat() -> dict:
    """Beat's most recent run of any enabled periodic task (the database scheduler
    records it on the task rows; the outbox sweep runs every minute)."""
    from django.db.models import Max
    from django_celery_beat.models import PeriodicTask

    last = PeriodicTask.objects.filter(enabled=True).aggregate(last=Max("last_run_at"))["last"]
    if last is None:
        return {"status": WARN, "last_run_age_seconds": None}
    age = (timezone.now() - last).total_seconds()
    late = age > _threshold("HEALTH_BEAT_MAX_AGE", 10 * 60)
    return {"status": WARN if late else OK, "last_run_age_seconds": round(age, 1)}


READINESS_CHECKS: dict[str, Callable[[], dict]] = {
    "database": check_database,
    "broker": check_broker,
    "cache": check_cache,
    "migrations": check_migrations,
    "outbox": check_outbox,
    "beat": check_beat,
}
# Checks that read tables cannot run when the database is down.
NEEDS_DATABASE = {"migrations", "outbox", "beat"}


def run_check(name: str, check: Callable[[], dict]) -> CheckResult:
    start = time.perf_counter()
    try:
        details = dict(check())
        status = details.pop("status", OK)
    except Exception as exc:  # noqa: BLE001 - any failure is the check's answer
        # The class name only: messages can carry host names or credentials.
        details, status = {"error": type(exc).__name__}, FAIL
    return CheckResult(name, status, (time.perf_counter() - start) * 1000, details)


def readiness() -> Report:
    results: list[CheckResult] = []
    database_up = True
    for name, check in READINESS_CHECKS.items():
        if name in NEEDS_DATABASE and not database_up:
            results.append(CheckResult(name, FAIL, 0.0, {"error": "database unavailable"}))
            continue
        result = run_check(name, check)
        if name == "database" and result.status == FAIL:
            database_up = False
            # A broken connection must not be reused by the next request.
            connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
        results.append(result)
    return Report(results)


def liveness() -> Report:
    return Report([CheckResult("process", OK)])
