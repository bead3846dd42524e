from celery import shared_task

from . import attachments


@shared_task(name="practices.remove_orphaned_attachments")
def remove_orphaned_attachments() -> int:
    """Delete attachments taken off their post, pending uploads never sent, and stored
    files no attachment refers to any more (hourly). Safe to run twice."""
    return attachments.attachments_remove_orphans()
