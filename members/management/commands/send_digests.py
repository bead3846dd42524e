import time
from collections.abc import Iterable
from datetime import datetime

from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from django.utils import timezone

from members import digests


class Command(BaseCommand):
    help = (
        "Send the digests that are due now, in this process, with a progress counter and "
        "a summary. Each member still gets at most one digest per period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show who would get what; claim and send nothing.",
        )
        parser.add_argument(
            "--now",
            action="store_true",
            help="Ignore the send hour and weekday: everyone with digests on is due "
            "(the period still keeps it to one digest per member).",
        )
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(
        self, *args: object, dry_run: bool, now: bool, batch_size: int | None, **options: object
    ) -> None:
        started = time.monotonic()
        moment = timezone.now()
        total = digests.due_members(moment, ignore_schedule=now).count()
        batches = digests.due_batches(moment, ignore_schedule=now, size=batch_size)
        if not total:
            self.stdout.write("No member is due for a digest now.")
            return
        if dry_run:
            self._dry_run(batches, moment, total)
            return
        self.stdout.write(f"Sending digests to {total} member(s)…")
        progress = Progress(self.stdout, total)
        counts = {"sent": 0, "empty": 0, "skipped": 0, "failed": 0}
        for batch in batches:
            result = digests.send_batch(
                user_ids=batch.user_ids,
                period=batch.period,
                since=batch.since,
                now=moment,
                progress=progress.step,
            )
            for key, value in result.items():
                counts[key] = counts.get(key, 0) + value
        progress.finish()
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{key} {value}" for key, value in counts.items())
        style = self.style.ERROR if counts["failed"] else self.style.SUCCESS
        self.stdout.write(style(f"Done in {elapsed:.2f} s: {summary}."))

    def _dry_run(self, batches: Iterable[digests.Batch], moment: datetime, total: int) -> None:
        self.stdout.write(f"Dry run: {total} member(s) due, nothing is claimed or sent.")
        would_send = would_skip = 0
        for batch in batches:
            for user, digest in digests.preview_batch(
                user_ids=batch.user_ids, period=batch.period, since=batch.since, now=moment
            ):
                if digest.is_empty:
                    would_skip += 1
                    self.stdout.write(f"  {user.email:<32} {batch.period:<18} nothing new")
                    continue
                would_send += 1
                parts = []
                if digest.you_could_help:
                    parts.append(f"{len(digest.you_could_help)} you could help")
                if digest.notifications:
                    parts.append(f"{len(digest.notifications)} for you")
                parts += [f"{s.community.name}: {s.item_count}" for s in digest.sections]
                self.stdout.write(f"  {user.email:<32} {batch.period:<18} " + "; ".join(parts))
        self.stdout.write(
            self.style.SUCCESS(f"Would send {would_send}, empty {would_skip} (dry run).")
        )


class Progress:
    """A counter on one line on a terminal, a line every 10% otherwise."""

    def __init__(self, stdout: OutputWrapper, total: int) -> None:
        self.stdout = stdout
        self.total = total
        self.done = 0
        self.tty = stdout.isatty()
        self.every = max(1, total // 10)

    def step(self, outcome: str) -> None:
        self.done += 1
        if self.tty:
            width = 30
            filled = width * self.done // max(self.total, 1)
            bar = "#" * filled + "-" * (width - filled)
            self.stdout.write(f"\r  [{bar}] {self.done}/{self.total}", ending="")
            self.stdout.flush()
        elif self.done % self.every == 0 or self.done == self.total:
            self.stdout.write(f"  {self.done}/{self.total}")

    def finish(self) -> None:
        if self.tty:
            self.stdout.write("")
