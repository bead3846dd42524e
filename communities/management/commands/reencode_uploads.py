"""`manage.py reencode_uploads`: bring covers and avatars uploaded before uploads were
checked into the stored form (re-encoded, metadata stripped, a random name)."""

import re

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand

from communities.models import Community
from config.uploads import avatar_policy, clean_image, cover_policy
from members.models import User

# What clean_image stores: <prefix>/<year>/<month>/<24 random characters>.webp
ALREADY_CLEAN = re.compile(r"^(covers|avatars)/\d{4}/\d{2}/[A-Za-z0-9_-]{24}\.webp$")


class Command(BaseCommand):
    help = (
        "Re-encode stored covers and avatars that predate the upload checks: each gets a "
        "random name and loses its metadata; a file that is no usable image is removed. "
        "Safe to run twice: files already in the new form are left alone."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report, change nothing.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        counts = {"re-encoded": 0, "removed": 0, "already clean": 0}
        jobs = [
            (Community.objects.exclude(cover_image=""), "cover_image", cover_policy()),
            (User.objects.exclude(avatar=""), "avatar", avatar_policy()),
        ]
        for queryset, field_name, policy in jobs:
            for obj in queryset.iterator(chunk_size=200):
                outcome = self.reencode(obj, field_name, policy, dry_run=dry_run)
                counts[outcome] += 1
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(("Would do: " if dry_run else "Done: ") + summary)

    def reencode(self, obj, field_name: str, policy, *, dry_run: bool) -> str:
        field = getattr(obj, field_name)
        old_name = field.name
        if ALREADY_CLEAN.match(old_name):
            return "already clean"
        try:
            with field.storage.open(old_name, "rb") as stored:
                data = stored.read(policy.max_bytes + 1)
            clean = clean_image(SimpleUploadedFile(old_name, data), policy)
        except (ValidationError, OSError) as error:
            reason = " ".join(getattr(error, "messages", [str(error)]))
            self.stdout.write(f"{obj._meta.label} {obj.pk}: {old_name} removed ({reason})")
            if not dry_run:
                type(obj).objects.filter(pk=obj.pk).update(**{field_name: ""})
                field.storage.delete(old_name)
            return "removed"
        if not dry_run:
            field.save(clean.content.name, clean.content, save=False)
            type(obj).objects.filter(pk=obj.pk).update(**{field_name: field.name})
            field.storage.delete(old_name)
        return "re-encoded"
