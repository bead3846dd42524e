"""A community's rhythm: meeting series, the meetings themselves, RSVPs, reminders, harvest.

A series keeps its recurrence rule in the community's local wall time (start date, start
time and a time zone name), so a daylight-saving change keeps 19:00 at 19:00. Its
meetings are rows, materialised for a bounded horizon, so that RSVPs, moves and
cancellations attach to something.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField

from .querysets import MeetingQuerySet, SeriesQuerySet


class Audience(models.TextChoices):
    MEMBERS = "members", _("Members of the community")
    GUESTS = "guests", _("Open to guests (public communities only)")


def _new_uid() -> str:
    return uuid.uuid4().hex


class MeetingSeries(models.Model):
    """A recurring meeting: an RFC 5545 rule over local wall time in `time_zone`."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="meeting_series"
    )
    uid = models.CharField(max_length=64, unique=True, default=_new_uid, editable=False)
    title = models.CharField(_("title"), max_length=160)
    agenda = models.TextField(_("agenda"), blank=True, help_text=_("Markdown is supported."))
    place = models.CharField(_("place"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    audience = models.CharField(
        _("who may attend"), max_length=10, choices=Audience.choices, default=Audience.MEMBERS
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    time_zone = TimeZoneField(_("time zone"))
    start_date = models.DateField(_("first date"))
    start_time = models.TimeField(_("start time"))
    rrule = models.CharField(
        _("recurrence rule"),
        max_length=300,
        help_text=_("RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=+1MO. UNTIL is in local time."),
    )
    exdates = models.JSONField(
        _("left-out dates"), default=list, blank=True, help_text=_("Local start times, ISO.")
    )
    materialised_until = models.DateTimeField(null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = SeriesQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["start_date", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def dtstart_local(self) -> datetime:
        """The first start as a naive local wall time, the anchor of the rule."""
        return datetime.combine(self.start_date, self.start_time)


class Meeting(models.Model):
    """One meeting, alone or one occurrence of a series."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="meetings"
    )
    series = models.ForeignKey(
        MeetingSeries,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meetings",
    )
    # The slot of the series this row stands for (RECURRENCE-ID), in UTC.
    original_start = models.DateTimeField(null=True, blank=True, editable=False)
    # Edited on its own ("this one"): later edits of the series leave it alone.
    is_detached = models.BooleanField(default=False, editable=False)
    uid = models.CharField(max_length=64, default=_new_uid, editable=False)
    title = models.CharField(_("title"), max_length=160)
    agenda = models.TextField(_("agenda"), blank=True, help_text=_("Markdown is supported."))
    place = models.CharField(
        _("place"),
        max_length=300,
        blank=True,
        help_text=_("A room or a video link, shown only to people who may attend."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    audience = models.CharField(
        _("who may attend"), max_length=10, choices=Audience.choices, default=Audience.MEMBERS
    )
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    # Stored so that "upcoming" and "past" are one indexed comparison.
    ends_at = models.DateTimeField(_("ends"), editable=False)
    time_zone = TimeZoneField(_("time zone"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    sequence = models.PositiveIntegerField(default=0, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, help_text=_("Markdown is supported."))
    note_taker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("note-taker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes_updated_at = models.DateTimeField(null=True, blank=True)
    going_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "original_start"],
                condition=Q(series__isnull=False),
                name="meeting_one_row_per_series_slot",
            )
        ]
        indexes = [
            models.Index(fields=["community", "starts_at"]),
            models.Index(fields=["community", "ends_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.community.slug, self.pk])

    @property
    def starts_local(self) -> datetime:
        return timezone.localtime(self.starts_at, self.time_zone)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def ical_uid(self) -> str:
        """A series' occurrences share the series' UID and differ by RECURRENCE-ID."""
        host = settings.SITE_URL.split("://", 1)[-1].split("/")[0].split(":")[0]
        return f"{self.series.uid if self.series_id else self.uid}@{host}"

    @property
    def spots_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.going_count, 0)


class Rsvp(models.Model):
    """A person's answer for one meeting; "waiting" when they said yes to a full meeting."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        MAYBE = "maybe", _("Maybe")
        NO = "no", _("No")

    class Status(models.TextChoices):
        GOING = "going", _("Going")
        WAITING = "waiting", _("On the waiting list")
        MAYBE = "maybe", _("Maybe")
        DECLINED = "declined", _("Not going")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_rsvps"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # Order on the waiting list: when they asked for a place.
    waiting_since = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        ordering = ["responded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="rsvp_once_per_meeting")
        ]
        indexes = [models.Index(fields=["meeting", "status", "waiting_since"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.meeting}: {self.status}"


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "day_before", _("The day before a meeting")
    HOUR_BEFORE = "hour_before", _("An hour before a meeting")


REMINDER_LEAD = {
    ReminderKind.DAY_BEFORE: timedelta(hours=24),
    ReminderKind.HOUR_BEFORE: timedelta(hours=1),
}


class ReminderPreference(models.Model):
    """Which meeting reminders a member wants; no row means both."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_reminders"
    )
    day_before = models.BooleanField(_("the day before a meeting"), default=True)
    hour_before = models.BooleanField(_("an hour before a meeting"), default=True)

    class Meta:
        verbose_name = _("meeting reminder preference")
        verbose_name_plural = _("meeting reminder preferences")

    def __str__(self) -> str:
        return f"Reminders for {self.user}"


class ReminderDelivery(models.Model):
    """The claim that one reminder went into the outbox. Its unique constraint, written in
    the same transaction as the email, is what makes a reminder go out exactly once."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    # A moved meeting is a new start: its reminders are due again.
    starts_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("meeting reminder")
        verbose_name_plural = _("meeting reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user", "kind", "starts_at"], name="meeting_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder of {self.meeting} for {self.user}"


class Insight(models.Model):
    """Something learned in a meeting, turned into a post under its bringer's name once
    they confirm it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the person's consent")
        PUBLISHED = "published", _("Published")
        DECLINED = "declined", _("Declined")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="insights")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("brought by"),
        on_delete=models.CASCADE,
        related_name="meeting_insights",
    )
    kind = models.CharField(
        _("kind"),
        max_length=12,
        choices=[("experience", _("Experience")), ("challenge", _("Challenge"))],
    )
    title = models.CharField(_("title"), max_length=200)
    situation = models.TextField(_("situation"), blank=True)
    tried = models.TextField(_("what they tried"), blank=True)
    happened = models.TextField(_("what happened"), blank=True)
    learned = models.TextField(_("what they learned"), blank=True)
    help_wanted = models.TextField(_("what would help"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    post = models.OneToOneField(
        "practices.Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_insight",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("insight")
        verbose_name_plural = _("insights")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:insight", args=[self.pk])
