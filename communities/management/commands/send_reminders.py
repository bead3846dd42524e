from django.core.management.base import BaseCommand

from communities.reminders import reminders_send


class Command(BaseCommand):
    help = (
        "Send the onboarding reminders and first-post nudges that are due now. "
        "Safe to run twice: each email is claimed before it is sent."
    )

    def handle(self, *args, **options):
        run = reminders_send(progress=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {run.first} first reminders, {run.second} second reminders, "
                f"{run.nudges} first-post nudges."
            )
        )
