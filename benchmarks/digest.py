"""Digest throughput: the weekly digest to N members through the real code path.

Batches are published the way `members.dispatch_digests` publishes them (by task
name, on commit), with Celery eager: each batch claims, renders and
queues through the outbox, and each queued email is delivered by `members.deliver_email`
over SMTP to the bench's local sink. The reference renders a small template pair and
sends the same kind of message (text and HTML parts, headers) over SMTP the same way,
with nothing else: the floor a digest email cannot go below on this machine.

Run as `python -m benchmarks.digest --members 5000` with the bench environment (the
bench's main module does that); prints JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from contextlib import contextmanager


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def counted_queries():
    from django.db import connection

    counter = {"n": 0}

    def count(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield counter


def reset() -> None:
    """Forget earlier runs' digests and emails, so every member is due again."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE members_digestdelivery, members_outboundemail")


def run_digests(members: int) -> dict:
    from django.conf import settings
    from django.db.models import Count
    from django.utils import timezone

    from config.celery import app
    from config.tasks import task_publish_on_commit
    from members import digests
    from members.models import DigestDelivery, OutboundEmail

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    reset()
    now = timezone.now()
    before = peak_rss_mb()
    started = time.perf_counter()
    cpu_started = time.process_time()
    left = members
    batches = 0
    with counted_queries() as queries:
        for batch in digests.due_batches(now, ignore_schedule=True):
            ids = batch.user_ids[:left]
            task_publish_on_commit(
                "members.send_digest_batch", ids, batch.period, batch.since.isoformat()
            )
            batches += 1
            left -= len(ids)
            if left <= 0:
                break
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    statuses = dict(OutboundEmail.objects.order_by().values_list("status").annotate(n=Count("pk")))
    sent = statuses.get("sent", 0)
    deliveries = dict(
        DigestDelivery.objects.order_by().values_list("status").annotate(n=Count("pk"))
    )
    return {
        "members": members - max(left, 0),
        "batches": batches,
        "batch_size": settings.DIGEST_BATCH_SIZE,
        "emails_sent": sent,
        "outbox": statuses,
        "deliveries": deliveries,
        "seconds": round(elapsed, 2),
        "emails_per_second": round(sent / elapsed, 1) if elapsed else None,
        # This process's own CPU time: what a worker spends per email, whatever else
        # the machine is doing (the database and the SMTP sink run elsewhere).
        "cpu_seconds": round(cpu, 2),
        "emails_per_cpu_second": round(sent / cpu, 1) if cpu else None,
        "queries": queries["n"],
        "queries_per_email": round(queries["n"] / sent, 1) if sent else None,
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def run_reference(count: int) -> dict:
    """Render and send `count` plain digest-like emails: template + MIME + SMTP only."""
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string

    items = [
        {"title": f"What we tried at handover, part {i}", "url": f"/c/x/posts/{i}/", "n": i}
        for i in range(10)
    ]
    started = time.perf_counter()
    for n in range(count):
        context = {"name": f"Member {n}", "items": items}
        message = EmailMultiAlternatives(
            subject="Your weekly digest",
            body=render_to_string("bench/digest_reference.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[f"reference{n}@bench.practica.test"],
            headers={"List-Unsubscribe": f"<{settings.SITE_URL}/digest/unsubscribe/{n}/>"},
        )
        message.attach_alternative(
            render_to_string("bench/digest_reference.html", context), "text/html"
        )
        message.send()
    elapsed = time.perf_counter() - started
    return {
        "emails_sent": count,
        "seconds": round(elapsed, 2),
        "emails_per_second": round(count / elapsed, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--reference-emails", type=int, default=2000)
    args = parser.parse_args()
    import django

    django.setup()
    reference = run_reference(args.reference_emails)
    result = run_digests(args.members)
    result["reference"] = reference
    if result["emails_per_second"] and reference["emails_per_second"]:
        result["ratio"] = round(result["emails_per_second"] / reference["emails_per_second"], 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
