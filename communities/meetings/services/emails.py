"""The one place meetings hand emails to the outbox (render the triplet, queue it).

Each email is rendered in its recipient's language and time zone, so "Tuesday 19:00"
is their own wall time; calendar files ride along as attachments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from members.emails import email_send

if TYPE_CHECKING:
    from members.models import User


def queue_member_email(
    *,
    user: User,
    template: str,
    context: dict,
    dedupe_key: str,
    ics: bytes | None = None,
    ics_method: str = "PUBLISH",
) -> bool:
    """Queue `template` for `user` once per `dedupe_key`. Returns whether it was queued."""
    from ..recurrence import describe

    series = context.get("series")
    extra = {"series_rule": describe(series.rrule)} if series else {}
    attachments = []
    if ics is not None:
        attachments.append(
            {
                "filename": "invite.ics" if ics_method != "CANCEL" else "cancel.ics",
                "content": ics.decode(),
                "mimetype": f"text/calendar; method={ics_method}; charset=utf-8",
            }
        )
    with timezone.override(user.time_zone):
        email = email_send(
            template,
            to=user.email,
            context={"recipient": user, **context, **extra},
            language=user.language,
            dedupe_key=dedupe_key,
            attachments=attachments,
        )
    return email is not None
