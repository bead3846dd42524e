"""`manage.py backup`: the database (pg_dump) and the media files, with a manifest."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config import backups


class Command(BaseCommand):
    help = "Back up the database and the media files into BACKUP_DIR (or --output-dir)."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", type=Path, help="Default: the BACKUP_DIR setting.")
        parser.add_argument("--no-media", action="store_true", help="Only the database.")
        parser.add_argument(
            "--keep", type=int, default=0, help="Then delete all but the N newest backups."
        )

    def handle(self, *args, output_dir=None, no_media=False, keep=0, **options):
        output_dir = output_dir or Path(settings.BACKUP_DIR)
        try:
            path = backups.create_backup(output_dir, media=not no_media)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
        for old in backups.prune(output_dir, keep):
            self.stderr.write(f"deleted {old.name}")
