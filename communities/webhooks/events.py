"""Webhook events: the payload of each, and its outbox rows.

Called by the services that write what happened (posts, comments, memberships,
meetings, reports), inside their transaction: the event and one delivery per endpoint
that wants it are rows in the same commit, and the deliveries are handed to a worker
once it commits. Payloads hold only what any member of the community may see, built
from the objects the callers pass (read by attribute, so this module sits below them).
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator

from config.links import absolute_reverse, absolute_url
from config.tasks import task_publish
from practices.bylines import byline_for_members
from practices.markdown import EXCERPT_WORDS, plain_text

from .models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent

if TYPE_CHECKING:
    from communities.models import Community

log = logging.getLogger(__name__)


def new_webhook_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def delivery_enqueue(*, delivery_id: int) -> bool:
    """Publish the delivery task; when the broker is away the sweep publishes it later."""
    try:
        task_publish("webhooks.deliver", delivery_id)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the row due
        log.warning("Could not publish webhook delivery %s, the sweep will: %s", delivery_id, exc)
        return False
    return True


def enqueue_on_commit(delivery_ids: list[int]) -> None:
    for pk in delivery_ids:
        transaction.on_commit(lambda pk=pk: delivery_enqueue(delivery_id=pk), robust=True)


def _community(community: Community) -> dict[str, Any]:
    return {
        "id": community.pk,
        "slug": community.slug,
        "name": community.name,
        "url": absolute_reverse("communities:detail", community.slug),
    }


def _time(value: Any) -> str | None:
    return value.isoformat() if value else None


def event_record(
    *,
    type: str,
    community: Community | None,
    data: dict[str, Any],
    endpoints: list[WebhookEndpoint] | None = None,
) -> list[WebhookDelivery]:
    """Write the event and a pending delivery for each endpoint that receives it (those
    given, or every active one subscribed to `type` for `community`), published to a
    worker after commit. Nothing is written when no endpoint wants it."""
    if endpoints is None:
        endpoints = list(WebhookEndpoint.objects.receiving(type, community))
    if not endpoints:
        return []
    now = timezone.now()
    if community is not None:
        data = {"community": _community(community), **data}
    payload = {"type": type, "timestamp": now.isoformat(), "data": data}
    event = WebhookEvent.objects.create(
        type=type, community=community, payload=payload, created_at=now
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            event=event,
            endpoint=endpoint,
            webhook_id=new_webhook_id(),
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    )
    enqueue_on_commit([d.pk for d in deliveries])
    return deliveries


def post_published(post: Any) -> list[WebhookDelivery]:
    """`post.published`: a post is published (directly, from a draft, or approved)."""
    if not post.is_published or post.is_hidden:
        return []
    community = post.community
    return event_record(
        type=EventType.POST_PUBLISHED,
        community=community,
        data={
            "post": {
                "id": post.pk,
                "kind": post.kind,
                "title": post.title,
                "url": absolute_url(post.get_absolute_url()),
                "excerpt": post.excerpt,
                "published_at": _time(post.published_at),
            },
            "author": byline_for_members(post.author, community, on_post=post),
        },
    )


def comment_created(comment: Any) -> list[WebhookDelivery]:
    """`comment.created`: a visible comment on a published, visible post."""
    post = comment.post
    visible = comment.status == "visible" and not comment.is_hidden
    if not visible or not post.is_published or post.is_hidden:
        return []
    community = post.community
    return event_record(
        type=EventType.COMMENT_CREATED,
        community=community,
        data={
            "post": {
                "id": post.pk,
                "title": post.title,
                "url": absolute_url(post.get_absolute_url()),
            },
            "comment": {
                "id": comment.pk,
                "parent_id": comment.parent_id,
                "url": absolute_url(comment.get_absolute_url()),
                "excerpt": Truncator(plain_text(comment.body_html)).words(EXCERPT_WORDS),
                "created_at": _time(comment.created_at),
            },
            "author": byline_for_members(comment.author, community, on_post=post),
        },
    )


def member_joined(membership: Any) -> list[WebhookDelivery]:
    """`member.joined`: a membership becomes active (joining, approval, invitation)."""
    community = membership.community
    return event_record(
        type=EventType.MEMBER_JOINED,
        community=community,
        data={
            "member": {
                **byline_for_members(membership.user, community),
                "role": membership.role,
                "joined_at": _time(membership.joined_at),
            }
        },
    )


def meeting_scheduled(meeting: Any) -> list[WebhookDelivery]:
    """`meeting.scheduled`: a meeting, or the first of a new series, is scheduled."""
    community = meeting.community
    return event_record(
        type=EventType.MEETING_SCHEDULED,
        community=community,
        data={
            "meeting": {
                "id": meeting.pk,
                "title": meeting.title,
                "url": absolute_url(meeting.get_absolute_url()),
                "starts_at": _time(meeting.starts_at),
                "ends_at": _time(meeting.ends_at),
                "time_zone": str(meeting.time_zone),
                "series": meeting.series_id is not None,
            }
        },
    )


def report_filed(report: Any) -> list[WebhookDelivery]:
    """`report.filed`: for the facilitators, what kind of item, which rule, and where to
    review it; never who reported it, their note, or the reported content."""
    community = report.community
    return event_record(
        type=EventType.REPORT_FILED,
        community=community,
        data={
            "report": {
                "id": report.pk,
                "item": "comment" if report.comment_id else "post",
                "reason": report.rule_title or "other",
                "created_at": _time(report.created_at),
                "review_url": absolute_reverse("communities:manage_reports", community.slug),
            }
        },
    )


def ping(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """`ping`: a test event for one endpoint, on its owner's request."""
    community = endpoint.community
    data = {"message": "This is a test event from Practica."}
    [delivery] = event_record(
        type=EventType.PING, community=community, data=data, endpoints=[endpoint]
    )
    return delivery
