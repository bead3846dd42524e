"""Publishing Celery tasks by name, from any layer.

Services sit below the task modules that call them, so they cannot import a task
to enqueue it. They publish it by its registered name instead; every app's
`AppConfig.ready()` imports its `tasks` module, so the names are known in the web
process, in workers and in tests (where eager mode still applies).
"""

from celery import current_app
from celery.result import AsyncResult
from django.db import transaction


def task_publish(name: str, *args, **kwargs) -> AsyncResult:
    """Publish the task registered as `name` now."""
    return current_app.tasks[name].apply_async(args, kwargs)


def task_publish_on_commit(name: str, *args, **kwargs) -> None:
    """Publish the task registered as `name` once the current transaction commits."""
    transaction.on_commit(lambda: task_publish(name, *args, **kwargs))


def task_publish_in(seconds: float, name: str, *args) -> AsyncResult:
    """Publish the task registered as `name` to run in `seconds` (short waits only: what
    waits longer is stored in the database and found by a periodic task)."""
    return current_app.tasks[name].apply_async(args, countdown=seconds)
