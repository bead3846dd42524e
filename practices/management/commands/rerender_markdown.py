"""Re-render the stored HTML of posts and comments after the Markdown rules changed."""

from django.core.management.base import BaseCommand

from practices.markdown import RENDERER_VERSION
from practices.models import Comment, Post
from practices.services import markdown_rerender_batch


class Command(BaseCommand):
    help = (
        "Re-render posts and comments whose stored HTML an older renderer made "
        "(practices.markdown.RENDERER_VERSION), in batches. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--all", action="store_true", help="Re-render every row, whatever its version."
        )

    def handle(self, *args, batch_size: int, all: bool, **options):
        for model in (Post, Comment):
            done, after = 0, 0
            while after is not None:
                written, after = markdown_rerender_batch(
                    model=model, after_pk=after, size=batch_size, everything=all
                )
                done += written
            name = model._meta.verbose_name_plural
            self.stdout.write(f"{name}: {done} re-rendered (renderer version {RENDERER_VERSION})")
