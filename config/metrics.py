"""Prometheus metrics: what the processes measure, and what is read from the database
when `/metrics` is scraped.

Web processes and Celery workers record request and task metrics in this process's
registry; with `PROMETHEUS_MULTIPROC_DIR` set (gunicorn with several workers, a prefork
Celery pool) prometheus_client keeps them in files there, and a scrape adds up every
process that wrote to the directory. The site-wide numbers (outbox backlog, digests per
period, active members) are not measured by any process: they are database reads made
at scrape time, remembered in the cache for `METRICS_DATABASE_CACHE_SECONDS` so that
several scrapers and web processes share one read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300)
QUERY_BUCKETS = (0, 1, 2, 4, 6, 8, 12, 16, 25, 50, 100)

REQUEST_LATENCY = Histogram(
    "practica_http_request_duration_seconds",
    "Time to answer a request, by route name.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
REQUEST_QUERIES = Histogram(
    "practica_http_request_queries",
    "Database queries made to answer a request, by route name.",
    ["route"],
    buckets=QUERY_BUCKETS,
)
TASK_DURATION = Histogram(
    "practica_celery_task_duration_seconds",
    "Time a Celery task ran, by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
    buckets=TASK_BUCKETS,
)
TASK_FAILURES = Counter(
    "practica_celery_task_failures_total",
    "Celery tasks that raised, by task name.",
    ["task"],
)
TASK_RETRIES = Counter(
    "practica_celery_task_retries_total",
    "Celery task retries, by task name.",
    ["task"],
)
EMAIL_DELIVERY_LATENCY = Histogram(
    "practica_outbox_delivery_latency_seconds",
    "From an email entering the outbox to its delivery to the mail server.",
    buckets=(1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600),
)
DIGEST_OUTCOMES = Counter(
    "practica_digest_members_total",
    "Members handled by digest batches, by outcome (sent, empty, skipped, failed).",
    ["outcome"],
)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _cache_seconds() -> int:
    return int(getattr(settings, "METRICS_DATABASE_CACHE_SECONDS", 30))


def database_numbers() -> dict:
    """Site-wide numbers read from the database, shared through the cache.

    Every query is bounded: the outbox through its partial index on pending rows,
    digests through a window of recent claims, members through one count.
    """
    from django.core.cache import cache

    key = "metrics:database"
    numbers = cache.get(key)
    if numbers is None:
        numbers = _read_database_numbers()
        cache.set(key, numbers, timeout=_cache_seconds())
    return numbers


def _read_database_numbers() -> dict:
    from django.db.models import Count, Min
    from django.utils import timezone

    from communities.models import Membership
    from members.models import DigestDelivery, OutboundEmail

    now = timezone.now()
    pending = OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).aggregate(
        backlog=Count("pk"), oldest=Min("created_at")
    )
    due = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.PENDING, available_at__lte=now
    ).count()
    failed = OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED).count()
    # Periods claimed during the last eight days: every daily period of the week and
    # the current weekly one.
    digests = list(
        DigestDelivery.objects.filter(claimed_at__gte=now - timedelta(days=8))
        .order_by()
        .values("period", "status")
        .annotate(count=Count("pk"))
    )
    active_members = (
        Membership.objects.filter(status=Membership.Status.ACTIVE)
        .order_by()
        .values("user_id")
        .distinct()
        .count()
    )
    oldest = pending["oldest"]
    return {
        "outbox_pending": pending["backlog"],
        "outbox_due": due,
        "outbox_failed": failed,
        "outbox_oldest_pending_seconds": (now - oldest).total_seconds() if oldest else 0.0,
        "digests": [(row["period"], row["status"], row["count"]) for row in digests],
        "active_members": active_members,
    }


class DatabaseCollector:
    """Gauges computed from the database at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        numbers = database_numbers()
        outbox = GaugeMetricFamily(
            "practica_outbox_emails", "Emails in the outbox by status.", labels=["status"]
        )
        outbox.add_metric(["pending"], numbers["outbox_pending"])
        outbox.add_metric(["due"], numbers["outbox_due"])
        outbox.add_metric(["failed"], numbers["outbox_failed"])
        yield outbox
        yield GaugeMetricFamily(
            "practica_outbox_oldest_pending_seconds",
            "Age of the oldest email still waiting in the outbox.",
            value=numbers["outbox_oldest_pending_seconds"],
        )
        digests = GaugeMetricFamily(
            "practica_digests",
            "Digest deliveries of the periods claimed in the last eight days, by status.",
            labels=["period", "status"],
        )
        for period, status, count in numbers["digests"]:
            digests.add_metric([period, status], count)
        yield digests
        yield GaugeMetricFamily(
            "practica_active_members",
            "People with at least one active membership.",
            value=numbers["active_members"],
        )


def render_process() -> bytes:
    """What processes measured: this one, or every process that shares the
    multiprocess directory."""
    directory = multiprocess_dir()
    if directory:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
        return generate_latest(registry)
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY)


def render_latest() -> bytes:
    """The process metrics plus the database gauges, for `/metrics`."""
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    return render_process() + generate_latest(database)
