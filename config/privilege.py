"""Who holds site staff's powers right now: one definition for every door and check.

Site staff read hidden and members-only content, moderate anywhere and restore
archived communities only in a session authenticated with a second factor (ASVS 5.0
6.3.3). `members.middleware.StaffMFASessionMiddleware` marks the signed-in user with
that session's state; a user loaded anywhere else (a background job, a shell) carries
no mark, so notifications and digests treat staff as ordinary members.
"""

from __future__ import annotations

from typing import Any

MFA_SESSION_ATTRIBUTE = "mfa_session"


def is_privileged(user: Any) -> bool:
    """Staff whose current session was authenticated with a second factor."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_staff
        and getattr(user, MFA_SESSION_ATTRIBUTE, False)
    )


def mark_mfa_session(user: Any, authenticated_with_mfa: bool) -> None:
    """Attach the request's second-factor state to the signed-in user."""
    setattr(user, MFA_SESSION_ATTRIBUTE, authenticated_with_mfa)
