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
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
