"""Outgoing webhooks: endpoints, the events they receive and each delivery's record."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    POST_PUBLISHED = "post.published", _("A post is published")
    COMMENT_CREATED = "comment.created", _("A comment is written")
    MEMBER_JOINED = "member.joined", _("Someone joins the community")
    MEETING_SCHEDULED = "meeting.scheduled", _("A meeting is scheduled")
    REPORT_FILED = "report.filed", _("Content is reported to the facilitators")
    PING = "ping", _("Test event")


# What an endpoint may subscribe to; "ping" is sent on request only.
SUBSCRIBABLE = [choice for choice in EventType.choices if choice[0] != EventType.PING]


def _owner_facilitates() -> Exists:
    from communities.models import Membership

    return Exists(
        Membership.objects.facilitators().filter(
            community_id=OuterRef("community_id"), user_id=OuterRef("created_by_id")
        )
    )


class EndpointQuerySet(models.QuerySet):
    def with_owner_standing(self) -> EndpointQuerySet:
        """Each endpoint with `owner_facilitates`: whether it still receives events."""
        return self.annotate(owner_facilitates=_owner_facilitates())

    def hearing(self, community: object) -> EndpointQuerySet:
        """Active endpoints that hear about `community`: its own, while their owner
        facilitates it (a community endpoint speaks for a facilitator, so it stops when
        they step down), and the site-wide ones of active staff. Checked when an event
        is written and again before every attempt to send it."""
        site_wide = Q(community__isnull=True, created_by__is_staff=True, created_by__is_active=True)
        return self.filter(is_active=True).filter(
            (Q(community=community) & Q(_owner_facilitates())) | site_wide
            if community is not None
            else site_wide
        )

    def receiving(self, type: str, community: object) -> EndpointQuerySet:
        """The endpoints `hearing` about `community` that are subscribed to `type`."""
        return self.hearing(community).filter(events__contains=[type])


class WebhookEndpoint(models.Model):
    """An address that receives signed events: of one community, or of the whole site
    (`community` empty, registered by staff)."""

    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        help_text=_("Empty: events of every community (site-wide)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = ArrayField(models.CharField(max_length=40, choices=SUBSCRIBABLE), default=list)
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("switched off"), null=True, blank=True)
    disabled_reason = models.CharField(_("why it was switched off"), max_length=300, blank=True)
    # Deliveries in a row that failed every attempt, and since when it has not succeeded.
    failed_deliveries = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["community"], name="webhooks_active_idx", condition=Q(is_active=True)
            )
        ]

    def __str__(self) -> str:
        return self.description or self.url

    def get_absolute_url(self) -> str:
        if self.community_id is None:
            return reverse("admin:webhooks_webhookendpoint_change", args=[self.pk])
        return reverse("webhooks:detail", args=[self.community.slug, self.pk])


class WebhookEvent(models.Model):
    """Something that happened, with the payload every matching endpoint receives."""

    type = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class WebhookDelivery(models.Model):
    """One event for one endpoint: its webhook-id stays the same on every attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    OPEN = (Status.PENDING, Status.RETRYING)

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    webhook_id = models.CharField(max_length=40, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Failed attempts since it was last (re)queued: where it is in the retry schedule.
    failures = models.PositiveIntegerField(default=0, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A worker sending it holds it until `claimed_until`; a later claim takes over.
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    response_body = models.TextField(_("response"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhooks_one_per_endpoint")
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhooks_log_idx"),
            models.Index(
                fields=["next_attempt_at"],
                name="webhooks_due_idx",
                condition=Q(status__in=["pending", "retrying"]),
            ),
        ]

    def __str__(self) -> str:
        return self.webhook_id

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
