from django.core.management.base import BaseCommand
from django.db import transaction

from demo import activity, communities, people, posts


class Command(BaseCommand):
    help = "Load demo data. Safe to run again: existing demo rows are kept and updated."

    @transaction.atomic
    def handle(self, *args, **options):
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
