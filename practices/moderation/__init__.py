"""Keeping the space trusted: reports, the facilitators' review, pre-moderation.

Members report a post or comment as breaking a rule of the current charter; when enough
of them do, the item is hidden until a facilitator looks at it (`reporting`).
Facilitators dismiss the reports, hide the item and warn, remove or ban its author
(`review`), and approve or reject the posts that wait for approval (`premoderation`);
`queue` reads what waits for them. The limits on what new members publish live in
`practices.limits`, below the services that check them.
"""

from .items import community_of, item_url, target_of
from .premoderation import post_approve, post_reject, rejection_of
from .queue import open_reports, waiting_counts, waiting_in_queue
from .reporting import OTHER, RuleChoice, report_create, report_of, rule_choices
from .review import (
    REVIEW_ACTIONS,
    review_ban_member,
    review_dismiss,
    review_hide,
    review_hide_and_warn,
    review_is_pending,
    review_remove_member,
    review_request,
    review_show,
)

__all__ = [
    "OTHER",
    "REVIEW_ACTIONS",
    "RuleChoice",
    "community_of",
    "item_url",
    "open_reports",
    "post_approve",
    "post_reject",
    "rejection_of",
    "report_create",
    "report_of",
    "review_ban_member",
    "review_dismiss",
    "review_hide",
    "review_hide_and_warn",
    "review_is_pending",
    "review_remove_member",
    "review_request",
    "review_show",
    "rule_choices",
    "target_of",
    "waiting_counts",
    "waiting_in_queue",
]
