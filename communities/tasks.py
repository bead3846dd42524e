from celery import shared_task

from . import reminders


@shared_task(name="communities.send_onboarding_reminders")
def send_onboarding_reminders() -> dict:
    """Send the onboarding reminders and first-post nudges that are due (hourly).

    Safe to run twice: every email is claimed with a conditional UPDATE first.
    """
    run = reminders.reminders_send()
    return {"first": run.first, "second": run.second, "nudges": run.nudges}
