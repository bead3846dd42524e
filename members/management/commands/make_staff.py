"""`manage.py make_staff EMAIL`: staff (or superuser) status for an account that
already has a second factor; `--revoke` takes it away."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from members.models import User
from members.permissions import check_can_become_staff


class Command(BaseCommand):
    help = (
        "Give an existing account staff status (--superuser: all permissions). The account "
        "must already have two-factor authentication set up (Settings → Two-factor "
        "authentication), so nobody else can claim it by setting one up first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--superuser", action="store_true", help="All permissions too.")
        parser.add_argument(
            "--revoke", action="store_true", help="Take staff and superuser status away."
        )

    @transaction.atomic
    def handle(self, *args, email: str, superuser: bool, revoke: bool, **options) -> None:
        user = User.objects.select_for_update().filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the address {email}: sign up on the site first.")
        if revoke:
            user.is_staff = user.is_superuser = False
            user.save(update_fields=["is_staff", "is_superuser"])
            self.stdout.write(f"{user.email} is no longer staff.")
            return
        try:
            check_can_become_staff(user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user.is_staff = True
        user.is_superuser = user.is_superuser or superuser
        user.save(update_fields=["is_staff", "is_superuser"])
        role = "a superuser" if user.is_superuser else "staff"
        self.stdout.write(self.style.SUCCESS(f"{user.email} is now {role}."))
