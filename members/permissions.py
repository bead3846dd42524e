"""Who may hold site staff's powers: only an account that already has a second factor.

A staff account whose owner had not yet set up two-factor authentication could be
claimed by whoever signed in to it first: they would add their own authenticator.
So staff status is given only to accounts that already have one (the admin's user
form and `manage.py make_staff` both check), and a staff account can not remove its
last authenticator app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from allauth.mfa.models import Authenticator

    from .models import User


def has_second_factor(user: User) -> bool:
    """An authenticator app (or security key) is set up; recovery codes alone do not count."""
    from allauth.mfa.models import Authenticator

    return (
        Authenticator.objects.filter(user_id=user.pk)
        .exclude(type=Authenticator.Type.RECOVERY_CODES)
        .exists()
    )


def check_can_become_staff(user: User) -> None:
    """Raise ValidationError unless `user` already has a second factor set up."""
    if not has_second_factor(user):
        raise ValidationError(
            _(
                "%(name)s has not set up two-factor authentication. Staff powers go only to "
                "an account that already has it: ask them to set it up under Settings → "
                "Two-factor authentication first."
            )
            % {"name": user.display_name or user.email},
            code="no_second_factor",
        )


def check_can_remove_authenticator(authenticator: Authenticator) -> None:
    """Raise ValidationError when removing `authenticator` would leave staff without one."""
    from allauth.mfa.models import Authenticator

    user = authenticator.user
    if not user.is_staff or authenticator.type == Authenticator.Type.RECOVERY_CODES:
        return
    others = (
        Authenticator.objects.filter(user_id=user.pk)
        .exclude(type=Authenticator.Type.RECOVERY_CODES)
        .exclude(pk=authenticator.pk)
    )
    if not others.exists():
        raise ValidationError(
            _("Staff accounts keep a second factor: set up another one before removing this."),
            code="staff_keep_second_factor",
        )
