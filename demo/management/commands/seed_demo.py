from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo import activity, communities, people, posts


class Command(BaseCommand):
    help = "Load demo data. Safe to run again: existing demo rows are kept and updated."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo data even though DEBUG is off.",
        )

    def handle(self, *args, **options):
        # The demo has a staff account whose password is printed and published.
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates a staff account with a published password, so it does "
                "not run with DEBUG off. Pass --force to load the demo data anyway."
            )
        self._seed()

    @transaction.atomic
    def _seed(self):
        users = people.seed()
        communities.seed(users=users)
        # Three months of members, posts, answers and reports for the health dashboard.
        activity.seed(users=users, stdout=self.stdout)
        self.stdout.write(communities.summary())
        posts.seed(users=users, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in with any of these accounts:")
        )
        for user in users.values():
            role = (
                " (staff: sets up two-factor authentication on first admin visit)"
                if user.is_staff
                else ""
            )
            self.stdout.write(f"  {user.email:<28} password: {people.DEMO_PASSWORD}{role}")
