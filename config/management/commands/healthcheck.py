"""`manage.py healthcheck`: the readiness report of `/readyz`, for cron and monitoring."""

import json

from django.core.management.base import BaseCommand, CommandError

from config import health


class Command(BaseCommand):
    help = (
        "Check the database, broker, cache, migrations, outbox and beat. Prints JSON; "
        "exits 0 when all is well, 1 on a warning, 2 when the site cannot serve."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--liveness", action="store_true", help="Only check that the process starts."
        )

    def handle(self, *args, liveness=False, **options):
        report = health.liveness() if liveness else health.readiness()
        self.stdout.write(json.dumps(report.as_dict(), indent=2))
        if report.status == health.WARN:
            raise CommandError("warning: see the checks above", returncode=1)
        if report.status == health.FAIL:
            raise CommandError("not ready: see the checks above", returncode=2)
