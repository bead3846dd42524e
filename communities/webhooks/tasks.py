"""Celery tasks for webhooks: ids in, the service does the rest. Safe to run twice."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import deliveries_sweep, delivery_attempt

TRANSIENT = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="webhooks.deliver", **TRANSIENT)
def deliver(delivery_id: int) -> str:
    """Send one webhook delivery if it is due and nobody else is sending it."""
    return delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.sweep_deliveries")
def sweep_deliveries() -> int:
    """Publish due deliveries not in flight (beat, every minute). Safe to run twice."""
    return deliveries_sweep()
