"""Notifications: who hears about what, on which channel, and the emails that follow.

Services call the event functions (`events`), which fan out through `core.notify` and
`core.notify_many` inside the service's own transaction. Nobody hears about their own
action, and nobody hears about something they cannot see now: every check goes through
the same scoped querysets as the pages. The emails sent later (`delivery`) check again
with the recipient's permissions at that moment.

    core         who_can_see, notify, notify_many: the fan-out
    events       the notify_* functions, one per kind of event, called by services
    wording      headline, short_headline, excerpt, subject
    selectors    with_visibility, unread_count, unread_count_subquery: reads
    reading      mark_read, mark_opened: the inbox's writes
    preferences  channels_for, channels_of, preferences_save
    delivery     send_notification_emails[_to]: immediate emails, folded per post

The names below are the package's public surface, for the services of other apps
(`from members import notifications; notifications.notify_comment_created(...)`).
"""

from .core import notify, notify_many, who_can_see
from .delivery import SendResult, send_notification_emails, send_notification_emails_to
from .events import (
    notify_applied,
    notify_charter_version,
    notify_comment_created,
    notify_helpful,
    notify_invitation,
    notify_membership_decision,
    notify_mentions,
    notify_playbook_decision,
    notify_post_followers,
    notify_tag_followers,
)
from .preferences import channels_for, channels_of, preferences_save
from .reading import mark_opened, mark_read
from .selectors import UNREAD_CAP, unread_count, unread_count_subquery, with_visibility
from .wording import excerpt, headline, short_headline

__all__ = [
    "UNREAD_CAP",
    "SendResult",
    "channels_for",
    "channels_of",
    "excerpt",
    "headline",
    "mark_opened",
    "mark_read",
    "notify",
    "notify_applied",
    "notify_charter_version",
    "notify_comment_created",
    "notify_helpful",
    "notify_invitation",
    "notify_many",
    "notify_membership_decision",
    "notify_mentions",
    "notify_playbook_decision",
    "notify_post_followers",
    "notify_tag_followers",
    "preferences_save",
    "send_notification_emails",
    "send_notification_emails_to",
    "short_headline",
    "unread_count",
    "unread_count_subquery",
    "who_can_see",
    "with_visibility",
]
