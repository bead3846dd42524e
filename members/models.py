from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person on Practica. They sign in with their email address."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"), max_length=80, help_text=_("How other members see you.")
    )
    bio = models.TextField(
        _("short bio"),
        max_length=600,
        blank=True,
        help_text=_("A few lines on your work and what you are practising."),
    )
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    time_zone = TimeZoneField(_("time zone"), default="UTC")
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    digest_cadence = models.CharField(
        _("digest email"),
        max_length=8,
        choices=[
            ("daily", _("Daily")),
            ("weekly", _("Weekly")),
            ("off", _("Off")),
        ],
        default="weekly",
        help_text=_("A morning email, in your time zone, with what matters to you."),
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="members_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("members:profile", args=[self.pk])

    @property
    def avatar_url(self) -> str:
        """The avatar through its view, which shows it only where the person is shown."""
        if not self.avatar:
            return ""
        version = self.avatar.name.rsplit("/", 1)[-1][:8]
        return f"{reverse('members:avatar', args=[self.pk])}?v={version}"

    @property
    def initials(self) -> str:
        parts = (self.display_name or self.email).split()
        return "".join(p[0] for p in parts[:2]).upper()


class OutboundEmail(models.Model):
    """An email waiting in the outbox, written in the same transaction as its cause.

    A Celery task delivers it; a periodic sweep re-sends what the broker missed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    from_email = models.CharField(_("from"), max_length=255)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        blank=True,
        help_text=_("[{filename, content, mimetype}]: text attachments such as calendar files."),
    )
    kind = models.CharField(_("kind"), max_length=80, default="account", db_index=True)
    dedupe_key = models.CharField(
        _("deduplication key"),
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Emails with the same key are sent at most once."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    available_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    body_secret = models.BooleanField(
        _("body holds a secret"),
        default=False,
        help_text=_(
            "A sign-in link, code or invitation token for one person: the body is removed "
            "once the email is sent."
        ),
    )
    body_purged_at = models.DateTimeField(_("body removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["available_at"],
                name="members_outbox_due_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["created_at"],
                name="members_outbox_bodies_idx",
                condition=models.Q(body_purged_at__isnull=True, status__in=["sent", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class NotificationKind(models.TextChoices):
    REPLY = "reply", _("Replies to my posts and comments")
    ANSWER = "answer", _("Answers to my challenges")
    HELPFUL = "helpful", _("My answer was marked helpful")
    MENTION = "mention", _("Someone @mentioned me")
    APPLIED = "applied", _("Someone applied my experience")
    MEMBERSHIP = "membership", _("Decisions on my membership requests")
    INVITATION = "invitation", _("Invitations to communities")
    CHARTER = "charter", _("New community rules I must accept")
    FOLLOWED_POST = "followed_post", _("New comments on posts I follow")
    FOLLOWED_TAG = "followed_tag", _("New posts in topics I follow")
    PLAYBOOK = "playbook", _("Decisions on my proposed playbook changes")


class Channel(models.TextChoices):
    IMMEDIATE = "immediate", _("Email me right away")
    DIGEST = "digest", _("Include in my digest")
    OFF = "off", _("Only on the site")


DEFAULT_CHANNELS = {
    NotificationKind.REPLY: Channel.IMMEDIATE,
    NotificationKind.ANSWER: Channel.IMMEDIATE,
    NotificationKind.HELPFUL: Channel.DIGEST,
    NotificationKind.MENTION: Channel.IMMEDIATE,
    NotificationKind.APPLIED: Channel.DIGEST,
    NotificationKind.MEMBERSHIP: Channel.IMMEDIATE,
    NotificationKind.INVITATION: Channel.IMMEDIATE,
    NotificationKind.CHARTER: Channel.IMMEDIATE,
    NotificationKind.FOLLOWED_POST: Channel.DIGEST,
    NotificationKind.FOLLOWED_TAG: Channel.DIGEST,
    NotificationKind.PLAYBOOK: Channel.IMMEDIATE,
}


class Notification(models.Model):
    """Something that happened which one member should know about."""

    class EmailStatus(models.TextChoices):
        NONE = "none", _("No email")
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped: already seen")
        DIGEST = "digest", _("In the digest")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        "practices.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        "practices.Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # For an invitation: the notification shows only while this invitation is open.
    invitation = models.ForeignKey(
        "communities.Invitation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_status = models.CharField(
        _("email"), max_length=8, choices=EmailStatus.choices, default=EmailStatus.NONE
    )
    email_due_at = models.DateTimeField(_("email due"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="members_notif_inbox_idx"),
            models.Index(
                fields=["recipient"],
                name="members_notif_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(
                fields=["email_due_at"],
                name="members_notif_email_due_idx",
                condition=models.Q(email_status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"


class NotificationSetting(models.Model):
    """A member's choice of channel for one kind of notification."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_setting_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.channel}"


class DigestDelivery(models.Model):
    """One member's digest for one period: claimed before sending, so it goes out once."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Being prepared")
        SENT = "sent", _("Sent")
        EMPTY = "empty", _("Nothing to send")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    period = models.CharField(_("period"), max_length=32, help_text=_("e.g. weekly:2026-W48"))
    since = models.DateTimeField(_("covers since"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.CLAIMED
    )
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)
    # Which task attempt holds the claim: a retry of the same task takes it back at once.
    claim_token = models.CharField(_("claim token"), max_length=64, blank=True, default="")
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    item_count = models.PositiveIntegerField(_("items"), default=0)
    email = models.ForeignKey(
        OutboundEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="digest_once_per_period")
        ]
        indexes = [
            # The abandoned-claim sweep (`schedule.stale_batches`) reads open claims by age.
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(status="claimed"),
                name="digest_open_claims_by_age",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.period} ({self.status})"


# Secret feed addresses live in their own module; imported here so Django registers them.
from .api_tokens import ApiToken  # noqa: E402,F401
from .feed_tokens import FeedToken  # noqa: E402,F401
