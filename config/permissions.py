"""One rule, two forms: a `check_*` function that raises, and the yes/no derived from it.

Every permission rule is written once, as a `check_<verb>_<noun>(user, obj, ...)`
function raising `PermissionDenied` (or `ValidationError`, when the refusal belongs in a
form) with a sentence the person can read. Services call
the check; views and templates get their `can_*` flags from `can(check, ...)`, so a
button is shown exactly when the service would allow what it does.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError


def can(check: Callable[..., None], *args, **kwargs) -> bool:
    """True when `check(*args, **kwargs)` passes, False when it refuses."""
    try:
        check(*args, **kwargs)
    except (PermissionDenied, ValidationError):
        return False
    return True
