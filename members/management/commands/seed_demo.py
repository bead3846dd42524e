from django.core.management.base import BaseCommand
from django.db import transaction

from members.demo import DEMO_PASSWORD, seed_members


class Command(BaseCommand):
    help = "Load demo data. Safe to run again: existing demo rows are kept and updated."

    @transaction.atomic
    def handle(self, *args, **options):
        users = seed_members()
        for extra in self._app_seeders():
            extra(users=users, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in with any of these accounts:")
        )
        for user in users.values():
            role = (
                " (staff: sets up two-factor authentication on first admin visit)"
                if user.is_staff
                else ""
            )
            self.stdout.write(f"  {user.email:<28} password: {DEMO_PASSWORD}{role}")

    def _app_seeders(self):
        """Each app may add its own demo data through a `demo.seed(users=..., stdout=...)`."""
        import importlib

        for app in ("communities", "practices"):
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError:
                continue
            yield module.seed
