"""Digest emails: each member's cadence, one claim per member and period, content read
once per community and filtered with the member's permissions at sending time.

    content      each community's new content, read once per run (CommunityContentCache)
    selection    one member's Digest, chosen now with their permissions (digest_for)
    schedule     periods, who is due, batches, and the dispatcher that fans them out
    sending      send_batch: claim, render, queue; deliveries_retry for the admin
    rendering    render_digest: the email in the member's language and time zone
    preview      the /me/digest/ preview and the command's dry run
    unsubscribe  signed one-click links and what they stop

Digests sit above practices and notifications: nothing in `practices` imports this
package. The names below are its public surface for other apps.
"""

from .content import CommunityContentCache, community_digest_content
from .preview import preview_batch, preview_for
from .rendering import preferences_url
from .schedule import Batch, dispatch, due_batches, due_members, period_for, period_key
from .selection import Digest, digest_for
from .sending import deliveries_retry, send_batch
from .unsubscribe import digest_unsubscribe, unsubscribe_token, unsubscription_from_token

__all__ = [
    "Batch",
    "CommunityContentCache",
    "Digest",
    "community_digest_content",
    "deliveries_retry",
    "digest_for",
    "digest_unsubscribe",
    "dispatch",
    "due_batches",
    "due_members",
    "period_for",
    "period_key",
    "preferences_url",
    "preview_batch",
    "preview_for",
    "send_batch",
    "unsubscribe_token",
    "unsubscription_from_token",
]
