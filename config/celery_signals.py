"""Celery instrumentation through signals: request ids travel with the tasks a request
enqueues, and every task writes one structured line and records its metrics.

Connected by the ops app's `ready()` (config/apps.py), so the web processes
(publishing) and the workers (running) both have it. Nothing here changes what a task does.
"""

from __future__ import annotations

import os
import time

import structlog
from celery import Task, signals

log = structlog.get_logger("practica.task")

REQUEST_ID_HEADER = "practica_request_id"
# task id -> (start time, the logging context to restore: an eager task runs inside
# the request that called it).
_running: dict[str, tuple[float, dict]] = {}
_outcomes: dict[str, str] = {}


@signals.before_task_publish.connect
def add_request_id(headers: dict | None = None, **kwargs: object) -> None:
    """Copy the current request (or task) id into the message headers."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id and headers is not None:
        headers[REQUEST_ID_HEADER] = request_id


@signals.task_prerun.connect
def task_started(task_id: str | None = None, task: Task | None = None, **kwargs: object) -> None:
    request_id = getattr(task.request, REQUEST_ID_HEADER, None) or (
        (task.request.headers or {}).get(REQUEST_ID_HEADER)
        if isinstance(task.request.headers, dict)
        else None
    )
    previous = structlog.contextvars.get_contextvars()
    structlog.contextvars.bind_contextvars(task_id=task_id)
    if request_id:
        structlog.contextvars.bind_contextvars(request_id=request_id)
    _running[task_id] = (time.perf_counter(), previous)


@signals.task_failure.connect
def task_failed(task_id: str | None = None, **kwargs: object) -> None:
    _outcomes[task_id] = "failure"


@signals.task_retry.connect
def task_retried(request: object = None, **kwargs: object) -> None:
    if request is not None and getattr(request, "id", None):
        _outcomes[request.id] = "retry"


@signals.task_postrun.connect
def task_finished(
    task_id: str | None = None,
    task: Task | None = None,
    retval: object = None,
    state: str | None = None,
    **kwargs: object,
) -> None:
    from . import metrics

    started, previous = _running.pop(task_id, (None, {}))
    duration = time.perf_counter() - started if started is not None else 0.0
    # task_failure and task_retry run before this and say what happened. Without a
    # state the error propagated to the caller (an eager run): that is a failure too.
    outcome = _outcomes.pop(task_id, None) or {
        "SUCCESS": "success",
        "FAILURE": "failure",
        "RETRY": "retry",
        None: "failure",
    }.get(state, str(state).lower())
    metrics.TASK_DURATION.labels(task.name, outcome).observe(duration)
    if outcome == "failure":
        metrics.TASK_FAILURES.labels(task.name).inc()
    elif outcome == "retry":
        metrics.TASK_RETRIES.labels(task.name).inc()
    if not task.request.is_eager:
        _observe_result(task.name, retval, kwargs.get("args") or ())
    getattr(log, "error" if outcome == "failure" else "info")(
        "task",
        task_name=task.name,
        outcome=outcome,
        duration_ms=round(duration * 1000, 2),
        retries=task.request.retries or 0,
        worker=task.request.hostname,
        pid=os.getpid(),
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**previous)


def _observe_result(name: str, retval: object, args: tuple | list) -> None:
    """Task-specific numbers read from what the task returned."""
    from . import metrics

    if name == "members.send_digest_batch" and isinstance(retval, dict):
        for outcome, count in retval.items():
            if count:
                metrics.DIGEST_OUTCOMES.labels(outcome).inc(count)
    elif name == "members.deliver_email" and retval == "sent" and args:
        from members.models import OutboundEmail

        row = OutboundEmail.objects.filter(pk=args[0]).values("created_at", "sent_at").first()
        if row and row["sent_at"]:
            latency = (row["sent_at"] - row["created_at"]).total_seconds()
            metrics.EMAIL_DELIVERY_LATENCY.observe(max(latency, 0.0))


@signals.worker_process_shutdown.connect
def forget_dead_process(pid: int | None = None, **kwargs: object) -> None:
    """A prefork child that exits drops its live gauges from the multiprocess files."""
    from . import metrics

    if metrics.multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


@signals.worker_ready.connect
def serve_worker_metrics(**kwargs: object) -> None:
    """With CELERY_METRICS_PORT set, the worker serves its own `/metrics` (task durations,
    failures, digest outcomes) for a Prometheus on the worker's machine or network."""
    from django.conf import settings

    port = getattr(settings, "CELERY_METRICS_PORT", None)
    if not port:
        return
    from prometheus_client import CollectorRegistry, start_http_server

    from . import metrics

    registry = None
    if metrics.multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=metrics.multiprocess_dir())
    address = getattr(settings, "CELERY_METRICS_ADDRESS", "127.0.0.1")
    if registry is None:
        start_http_server(int(port), addr=address)
    else:
        start_http_server(int(port), addr=address, registry=registry)
    log.info("worker_metrics", address=address, port=int(port))
