"""Webhook endpoints and their deliveries: registering, testing, redelivering, sending.

Sending follows the outbox's shape: a delivery row is claimed before the request and
the outcome recorded after it, so two workers never send one row at once and a worker
that died leaves a claim the sweep takes over once it expires (at least once, with the
same webhook-id). Failed attempts are retried on a schedule spread over about a day;
an endpoint that keeps failing is switched off and its owner told by email.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.links import absolute_url
from config.tasks import task_publish_in
from members.emails import email_send
from practices.models import Comment, Post

from . import events
from .models import SUBSCRIBABLE, EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .permissions import check_can_manage_endpoint, check_can_manage_webhooks
from .signing import secret_generate, signed_headers
from .targets import Target, target_check

if TYPE_CHECKING:
    from communities.models import Community
    from members.models import User

log = logging.getLogger(__name__)

RESPONSE_BODY_LIMIT = 2000
Status = WebhookDelivery.Status


# --- Endpoints -----------------------------------------------------------------------


def _clean_events(chosen: list[str]) -> list[str]:
    known = [value for value, _label in SUBSCRIBABLE]
    picked = [value for value in known if value in set(chosen)]
    if not picked:
        raise ValidationError({"events": _("Choose at least one event.")})
    return picked


@transaction.atomic
def endpoint_create(
    *,
    community: Community | None,
    by: User,
    url: str,
    events: list[str],
    description: str = "",
) -> WebhookEndpoint:
    """Register an endpoint for `community` (None: site-wide) with a new secret; the
    address must pass the target rules (https, public)."""
    check_can_manage_webhooks(by, community)
    try:
        target_check(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from error
    if community is not None:
        count = WebhookEndpoint.objects.filter(community=community).count()
        if count >= settings.WEBHOOKS_MAX_ENDPOINTS:
            raise ValidationError(
                _("A community can have at most %(n)d webhook endpoints.")
                % {"n": settings.WEBHOOKS_MAX_ENDPOINTS}
            )
    return WebhookEndpoint.objects.create(
        community=community,
        created_by=by,
        url=url.strip(),
        description=description.strip(),
        events=_clean_events(events),
        secret=secret_generate(),
    )


@transaction.atomic
def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    by: User,
    url: str,
    events: list[str],
    description: str = "",
    is_active: bool = True,
) -> WebhookEndpoint:
    """Change an endpoint. Switching it back on forgets its failures. A facilitator who
    saves a community endpoint whose owner no longer facilitates takes it over, so that
    it receives events again (in their name)."""
    check_can_manage_endpoint(by, endpoint)
    endpoint = WebhookEndpoint.objects.select_for_update().with_owner_standing().get(pk=endpoint.pk)
    if endpoint.community_id is not None and not endpoint.owner_facilitates:
        endpoint.created_by = by
    url = url.strip()
    if url != endpoint.url:
        try:
            target_check(url)
        except ValidationError as error:
            raise ValidationError({"url": error.messages}) from error
    if is_active and not endpoint.is_active:
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.failed_deliveries = 0
        endpoint.failing_since = None
    elif not is_active and endpoint.is_active:
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = _("Switched off by %(name)s.") % {"name": by.display_name}
    endpoint.url = url
    endpoint.events = _clean_events(events)
    endpoint.description = description.strip()
    endpoint.is_active = is_active
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, by: User) -> WebhookEndpoint:
    """Give the endpoint a new secret; the old one stops working for the next attempt."""
    check_can_manage_endpoint(by, endpoint)
    endpoint.secret = secret_generate()
    endpoint.save(update_fields=["secret"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, by: User) -> None:
    """Remove an endpoint and its delivery log."""
    check_can_manage_endpoint(by, endpoint)
    endpoint.delete()


def _check_active(endpoint: WebhookEndpoint) -> None:
    if not endpoint.is_active:
        raise ValidationError(_("This endpoint is switched off; switch it on first."))


@transaction.atomic
def endpoint_ping(*, endpoint: WebhookEndpoint, by: User) -> WebhookDelivery:
    """Send the endpoint a test event (`ping`), delivered like any other."""
    check_can_manage_endpoint(by, endpoint)
    _check_active(endpoint)
    return events.ping(endpoint)


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery, by: User) -> WebhookDelivery:
    """Send a delivery again, with the same webhook-id (receivers recognise it), starting
    the retry schedule afresh."""
    check_can_manage_endpoint(by, delivery.endpoint)
    _check_active(delivery.endpoint)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    now = timezone.now()
    if delivery.is_open and delivery.claimed_until and delivery.claimed_until > now:
        raise ValidationError(_("This delivery is being sent right now."))
    delivery.status = Status.PENDING
    delivery.failures = 0
    delivery.next_attempt_at = now
    delivery.save(update_fields=["status", "failures", "next_attempt_at"])
    events.enqueue_on_commit([delivery.pk])
    return delivery


# --- Sending -------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int | None
    ms: int
    body: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _post(target: Target, headers: dict[str, str], body: bytes) -> Response:
    """POST `body` to the checked address of `target`: no redirects, no retries here,
    short timeouts; the Host header and TLS name are the URL's host."""
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOKS_CONNECT_TIMEOUT, read=settings.WEBHOOKS_READ_TIMEOUT
    )
    default_port = 443 if target.scheme == "https" else 80
    host = target.host if target.port == default_port else f"{target.host}:{target.port}"
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
    started = time.monotonic()
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host},
            redirect=False,
            preload_content=False,
        )
        try:
            text = response.read(RESPONSE_BODY_LIMIT * 2, decode_content=True)
        finally:
            response.release_conn()
        elapsed = int((time.monotonic() - started) * 1000)
        return Response(
            response.status, elapsed, text.decode("utf-8", "replace")[:RESPONSE_BODY_LIMIT]
        )
    except (urllib3.exceptions.HTTPError, OSError) as error:
        elapsed = int((time.monotonic() - started) * 1000)
        return Response(None, elapsed, error=f"{type(error).__name__}: {error}"[:500])
    finally:
        pool.close()


def _claim(delivery_id: int, now: datetime) -> str | None:
    token = secrets.token_hex(16)
    claimed = (
        WebhookDelivery.objects.filter(
            pk=delivery_id, status__in=WebhookDelivery.OPEN, next_attempt_at__lte=now
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            claim_token=token,
            claimed_until=now + timedelta(seconds=settings.WEBHOOKS_CLAIM_TIMEOUT),
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
    )
    return token if claimed else None


def delivery_attempt(*, delivery_id: int) -> str:
    """Send one delivery that is due, once: claimed first with a conditional UPDATE, so a
    second worker (or a redelivered task) finds nothing to do. Safe to run twice.
    Returns the outcome: "succeeded", "retrying", "failed" or "skipped"."""
    now = timezone.now()
    token = _claim(delivery_id, now)
    if token is None:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        switched_off = Response(None, 0, error="The endpoint is switched off.")
        _record(delivery, token, switched_off, final=True)
        return "failed"
    hears = WebhookEndpoint.objects.hearing(delivery.event.community_id).filter(pk=endpoint.pk)
    if not hears.exists():
        # Its owner stepped down (or lost staff rights) since: it speaks for no one.
        silent = Response(None, 0, error="Not sent: the endpoint no longer hears about this.")
        _record(delivery, token, silent, final=True)
        return "failed"
    if not _still_visible(delivery.event):
        gone = Response(None, 0, error="Not sent: what it is about is no longer visible.")
        _record(delivery, token, gone, final=True)
        return "failed"
    try:
        target = target_check(endpoint.url)
    except ValidationError as error:
        response = Response(None, 0, error=" ".join(error.messages)[:500])
    else:
        body = json.dumps(delivery.event.payload, separators=(",", ":")).encode()
        headers = signed_headers(
            secret=endpoint.secret,
            webhook_id=delivery.webhook_id,
            timestamp=int(time.time()),
            body=body,
        )
        response = _post(target, headers, body)
    return _record(delivery, token, response)


def _still_visible(event: WebhookEvent) -> bool:
    """A post or comment hidden, deleted or unpublished since the event is not sent on
    a retry or redelivery either: the payload would show what members no longer see."""
    data = event.payload.get("data", {})
    if event.type == EventType.POST_PUBLISHED:
        return Post.objects.filter(
            pk=data["post"]["id"], status=Post.Status.PUBLISHED, hidden_at__isnull=True
        ).exists()
    if event.type == EventType.COMMENT_CREATED:
        return (
            Comment.objects.visible()
            .filter(
                pk=data["comment"]["id"],
                post__status=Post.Status.PUBLISHED,
                post__hidden_at__isnull=True,
            )
            .exists()
        )
    return True


def retry_delay(failures: int) -> float | None:
    """Seconds before the next attempt after `failures` failed ones, with jitter; None
    when the schedule is used up."""
    schedule = settings.WEBHOOKS_RETRY_SCHEDULE
    if failures > len(schedule):
        return None
    base = schedule[failures - 1]
    # Jitter spreads the retries of many deliveries; it guards no secret.
    return base * (1 + random.uniform(0, 0.1))  # nosec B311


def _record(
    delivery: WebhookDelivery, token: str, response: Response, *, final: bool = False
) -> str:
    now = timezone.now()
    # "claim_token" is emptied to release the claim: no password (bandit B105).
    fields = {  # nosec B105
        "response_status": response.status,
        "response_ms": response.ms,
        "response_body": response.body,
        "error": response.error,
        "claim_token": "",
        "claimed_until": None,
    }
    mine = WebhookDelivery.objects.filter(pk=delivery.pk, claim_token=token)
    if response.ok:
        mine.update(status=Status.SUCCEEDED, delivered_at=now, next_attempt_at=None, **fields)
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(
            failed_deliveries=0, failing_since=None
        )
        return "succeeded"
    failures = delivery.failures + 1
    delay = None if final else retry_delay(failures)
    if delay is None:
        updated = mine.update(
            status=Status.FAILED, failures=failures, next_attempt_at=None, **fields
        )
    else:
        updated = mine.update(
            status=Status.RETRYING,
            failures=failures,
            next_attempt_at=now + timedelta(seconds=delay),
            **fields,
        )
    log.warning(
        "Webhook delivery %s failed (%s): %s",
        delivery.webhook_id,
        "retry" if delay is not None else "gave up",
        response.error or response.status,
    )
    if updated and not final:
        _count_failure(delivery.endpoint_id, delivery_failed=delay is None, now=now)
    if updated and delay is not None and delay <= 60:
        # A short wait is a countdown; longer ones are found by the sweep.
        try:
            task_publish_in(delay, "webhooks.deliver", delivery.pk)
        except Exception as exc:  # noqa: BLE001 - the sweep publishes it later
            log.warning("Could not publish the retry of %s: %s", delivery.pk, exc)
    return "retrying" if delay is not None else "failed"


@transaction.atomic
def _count_failure(endpoint_id: int, *, delivery_failed: bool, now: datetime) -> None:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    if not endpoint.is_active:
        return
    endpoint.failing_since = endpoint.failing_since or now
    if delivery_failed:
        endpoint.failed_deliveries += 1
    too_many = endpoint.failed_deliveries >= settings.WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES
    too_long = now - endpoint.failing_since > timedelta(hours=settings.WEBHOOKS_DISABLE_AFTER_HOURS)
    if too_many or too_long:
        endpoint.is_active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            _("%(n)d deliveries in a row failed every attempt.") % {"n": endpoint.failed_deliveries}
            if too_many
            else _("Every delivery failed for more than %(hours)d hours.")
            % {"hours": settings.WEBHOOKS_DISABLE_AFTER_HOURS}
        )
        _tell_owner(endpoint)
    endpoint.save(
        update_fields=[
            "is_active",
            "disabled_at",
            "disabled_reason",
            "failed_deliveries",
            "failing_since",
        ]
    )


def _tell_owner(endpoint: WebhookEndpoint) -> None:
    owner = endpoint.created_by
    if owner is None or not owner.is_active:
        return
    email_send(
        "webhook_disabled",
        to=owner.email,
        language=owner.language,
        context={
            "user": owner,
            "endpoint": endpoint,
            "community": endpoint.community,
            "url": absolute_url(endpoint.get_absolute_url()),
        },
        dedupe_key=f"webhook-disabled:{endpoint.pk}:{int(endpoint.disabled_at.timestamp())}",
    )


def deliveries_sweep(*, limit: int = 500) -> int:
    """Publish deliveries that are due and not being sent: retries whose wait is over,
    and those whose message the broker lost or whose worker died (its claim expired).
    Safe to run twice: sending claims each row. Returns how many were published."""
    now = timezone.now()
    due = (
        WebhookDelivery.objects.filter(status__in=WebhookDelivery.OPEN, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)
    )
    published = 0
    for delivery_id in due[:limit]:
        if not events.delivery_enqueue(delivery_id=delivery_id):
            break
        published += 1
    return published
