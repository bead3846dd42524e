"""`manage.py restore`: a backup into the configured database and MEDIA_ROOT."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config import backups


class Command(BaseCommand):
    help = (
        "Restore a backup folder (default: the newest in BACKUP_DIR) into DATABASE_URL's "
        "database, created when missing, and MEDIA_ROOT; then check every table's row count."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", nargs="?", type=Path)
        parser.add_argument("--no-media", action="store_true")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Drop what the database holds first (default: refuse a database with tables).",
        )

    def handle(self, *args, backup=None, no_media=False, replace=False, **options):
        backup = backup or backups.latest(Path(settings.BACKUP_DIR))
        if backup is None or not (backup / "manifest.json").exists():
            raise CommandError("No backup found: name a backup folder.")
        try:
            result = backups.restore_backup(backup, media=not no_media, replace=replace)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if result.mismatches:
            for table, (expected, found) in sorted(result.mismatches.items()):
                self.stderr.write(f"{table}: {found} rows, the backup had {expected}")
            raise CommandError("The restored row counts differ from the backup's manifest.")
        self.stdout.write(
            f"Restored {backup.name}: {result.tables} tables, {result.rows} rows, "
            f"{result.media_files} media files; row counts match the manifest."
        )
