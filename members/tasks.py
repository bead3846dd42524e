from celery import shared_task

from . import services


@shared_task(name="members.deliver_email")
def deliver_email(email_id: int) -> str:
    """Send one outbox email. Safe to run twice: the row is claimed before sending."""
    return services.email_deliver(email_id=email_id)


@shared_task(name="members.sweep_outbox")
def sweep_outbox() -> int:
    """Publish outbox emails that are due but were never delivered (broker was down)."""
    return services.outbox_sweep()
