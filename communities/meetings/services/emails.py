"""The one place meetings hand emails to the outbox (render the triplet, queue it).

Each email is rendered in its recipient's language and time zone, so "Tuesday 19:00"
is their own wall time; calendar files ride along as attachments.
"""

from __future__ import annotations

from django.utils import timezone, translation

from members.emails import render_email
from members.services import email_queue


def queue_member_email(
    *,
    user,
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
    with translation.override(user.language), timezone.override(user.time_zone):
        rendered = render_email(template, {"recipient": user, **context, **extra})
    attachments = []
    if ics is not None:
        attachments.append(
            {
                "filename": "invite.ics" if ics_method != "CANCEL" else "cancel.ics",
                "content": ics.decode(),
                "mimetype": f"text/calendar; method={ics_method}; charset=utf-8",
            }
        )
    email = email_queue(
        to=user.email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        kind=f"meeting_{template.removeprefix('meeting_')}",
        dedupe_key=dedupe_key,
        attachments=attachments,
    )
    return email is not None
