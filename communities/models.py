import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from .querysets import CommunityQuerySet, InvitationQuerySet, MembershipQuerySet

INVITATION_LIFETIME = timedelta(days=14)
MAX_JOIN_QUESTIONS = 5


class Community(models.Model):
    """A community of practice, interest or action, built around one central challenge."""

    class Kind(models.TextChoices):
        PRACTICE = "practice", _("Community of practice")
        INTEREST = "interest", _("Community of interest")
        ACTION = "action", _("Community of action")

    KIND_HELP = {
        Kind.PRACTICE: _(
            "People who do similar work get better at it by exchanging concrete experience."
        ),
        Kind.INTEREST: _("People who share an interest in a topic learn about it together."),
        Kind.ACTION: _("People who want to drive a change organise and learn along the way."),
    }

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can read, members post")
        MEMBERS = "members", _("Members only: listed, but only members read the content")
        HIDDEN = "hidden", _("Hidden: not listed, reachable only by invitation")

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: anyone can join after accepting the rules")
        REQUEST = "request", _("On request: facilitators approve applicants")
        INVITATION = "invitation", _("Invitation only")

    class Stage(models.TextChoices):
        PLANNING = "planning", _("Planning")
        LAUNCHED = "launched", _("Launched")
        ARCHIVED = "archived", _("Archived")

    class Cover(models.TextChoices):
        TEAL = "teal", _("Teal")
        CLAY = "clay", _("Clay")
        OCEAN = "ocean", _("Ocean")
        MOSS = "moss", _("Moss")
        PLUM = "plum", _("Plum")
        SAND = "sand", _("Sand")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PRACTICE)
    challenge = models.TextField(
        _("central challenge or theme"),
        max_length=600,
        help_text=_("The concern around which members' relationships are built."),
    )
    purpose = models.TextField(_("purpose"), blank=True, help_text=_("Markdown is supported."))
    audience = models.CharField(_("who it is for"), max_length=300, blank=True)
    meeting_rhythm = models.CharField(
        _("meeting rhythm"),
        max_length=120,
        blank=True,
        help_text=_('For example "monthly case clinic" or "weekly stand-up on Tuesdays".'),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    cover_color = models.CharField(
        _("cover colour"), max_length=10, choices=Cover.choices, default=Cover.TEAL
    )
    cover_image = models.ImageField(_("cover image"), upload_to="covers/%Y/%m/", blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    join_policy = models.CharField(
        _("who may join"), max_length=12, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    stage = models.CharField(
        _("stage"), max_length=10, choices=Stage.choices, default=Stage.PLANNING, db_index=True
    )
    welcome_message = models.TextField(
        _("welcome message"),
        blank=True,
        help_text=_("Shown to new members right after they join. Markdown is supported."),
    )
    expectations = models.TextField(
        _("expectations"),
        blank=True,
        help_text=_("What members can expect from each other, shown with the rules."),
    )
    onboarding_profile = models.BooleanField(
        _("ask new members to complete their profile"), default=True
    )
    onboarding_intro = models.BooleanField(
        _("ask new members to introduce themselves"), default=True
    )
    onboarding_pinned = models.BooleanField(
        _("ask new members to read the pinned starter posts"), default=True
    )
    onboarding_configured = models.BooleanField(_("onboarding steps chosen"), default=False)
    closing_note = models.TextField(_("closing note"), blank=True)
    reminder_first_days = models.PositiveSmallIntegerField(
        _("first onboarding reminder after (days)"), default=2
    )
    reminder_second_days = models.PositiveSmallIntegerField(
        _("second onboarding reminder after (days)"), default=7
    )
    allows_unnamed_posts = models.BooleanField(
        _("members may share experiences without their name"),
        default=False,
        help_text=_(
            "Members see such a post as shared by “a member of this community”; the "
            "facilitators still see who wrote it, for moderation. Turning this off later "
            "leaves those posts without name."
        ),
    )
    report_threshold = models.PositiveSmallIntegerField(
        _("hide automatically after this many reports"), default=3
    )
    premoderation_posts = models.PositiveSmallIntegerField(
        _("posts of a new member that wait for approval"),
        default=0,
        help_text=_("0 turns pre-moderation off."),
    )
    new_member_days = models.PositiveSmallIntegerField(
        _("a member counts as new for (days)"), default=14
    )
    new_member_posts_per_day = models.PositiveSmallIntegerField(
        _("posts per day for new members"), default=3
    )
    new_member_comments_per_day = models.PositiveSmallIntegerField(
        _("comments per day for new members"), default=10
    )
    new_member_links_per_post = models.PositiveSmallIntegerField(
        _("links per post for new members"), default=2
    )
    tags = TaggableManager(_("topics"), blank=True, help_text=_("Comma-separated topics."))
    current_charter_number = models.PositiveIntegerField(
        _("current charter version"), default=0, editable=False
    )
    required_charter_number = models.PositiveIntegerField(
        _("charter version members must have accepted"), default=0, editable=False
    )
    member_count = models.PositiveIntegerField(_("members"), default=0, editable=False)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    launched_at = models.DateTimeField(_("launched"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]
        indexes = [models.Index(fields=["stage", "visibility", "-last_activity_at"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:detail", args=[self.slug])

    @property
    def cover_url(self) -> str:
        """The cover through its view (which checks the door); the random file name's
        start makes a new cover a new address for browsers' caches."""
        if not self.cover_image:
            return ""
        version = self.cover_image.name.rsplit("/", 1)[-1][:8]
        return f"{reverse('communities:cover', args=[self.slug])}?v={version}"

    @property
    def kind_help(self) -> str:
        return self.KIND_HELP[self.Kind(self.kind)]

    @property
    def is_planning(self) -> bool:
        return self.stage == self.Stage.PLANNING

    @property
    def is_launched(self) -> bool:
        return self.stage == self.Stage.LAUNCHED

    @property
    def is_archived(self) -> bool:
        return self.stage == self.Stage.ARCHIVED

    @property
    def current_charter(self) -> "CharterVersion | None":
        if not self.current_charter_number:
            return None
        return self.charter_versions.filter(number=self.current_charter_number).first()


class StageChange(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=10, choices=Community.Stage.choices)
    to_stage = models.CharField(max_length=10, choices=Community.Stage.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.community}: {self.from_stage} → {self.to_stage}"


class JoinQuestion(models.Model):
    """A question applicants answer when a community accepts members on request."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("question"), max_length=300)

    class Meta:
        verbose_name = _("join question")
        verbose_name_plural = _("join questions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Rule(models.Model):
    """One rule of the community's charter draft; publishing copies the rules into a version."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("rule"), max_length=160)
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class CharterVersion(models.Model):
    """A published, immutable version of a community's charter."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="charter_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    rules = models.JSONField(_("rules"), default=list, help_text=_("[{title, explanation}]"))
    purpose = models.TextField(_("purpose"), blank=True)
    expectations = models.TextField(_("expectations"), blank=True)
    is_material = models.BooleanField(
        _("material change"),
        default=True,
        help_text=_("Members must accept a material change again before they post or comment."),
    )
    summary = models.CharField(_("what changed"), max_length=300, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        verbose_name = _("charter version")
        verbose_name_plural = _("charter versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="charter_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.community} charter v{self.number}"


class HelpTag(TaggedItemBase):
    content_object = models.ForeignKey("Membership", on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("can help with")


class LearnTag(TaggedItemBase):
    content_object = models.ForeignKey("Membership", on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("wants to learn")


class Membership(models.Model):
    """A person's relation to a community: applicant, member, or someone who left or was banned."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        CORE = "core", _("Core member")
        FACILITATOR = "facilitator", _("Facilitator")

    class Status(models.TextChoices):
        PENDING = "pending", _("Request pending")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Request declined")
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")
        BANNED = "banned", _("Banned")

    # Facilitators and core members: the founding team that prepares a community.
    TEAM_ROLES = (Role.FACILITATOR, Role.CORE)

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    answers = models.JSONField(_("answers"), default=list, blank=True)
    accepted_charter_number = models.PositiveIntegerField(_("accepted charter version"), default=0)
    accepted_charter_at = models.DateTimeField(_("rules accepted"), null=True, blank=True)
    requested_at = models.DateTimeField(_("requested"), null=True, blank=True)
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    decision_message = models.TextField(_("message from the facilitators"), blank=True)
    intro = models.TextField(
        _("introduction"),
        max_length=1000,
        blank=True,
        help_text=_("A few lines about you, shown on the member list."),
    )
    can_help_with = TaggableManager(
        _("can help with"), through=HelpTag, blank=True, related_name="helpers"
    )
    wants_to_learn = TaggableManager(
        _("wants to learn"), through=LearnTag, blank=True, related_name="learners"
    )
    profile_completed_at = models.DateTimeField(null=True, blank=True)
    introduced_at = models.DateTimeField(null=True, blank=True)
    pinned_read_at = models.DateTimeField(null=True, blank=True)
    onboarding_completed_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    first_post_nudge_at = models.DateTimeField(null=True, blank=True)
    digest_opt_out = models.BooleanField(_("leave out of my digest"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["community", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.community} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_facilitator(self) -> bool:
        return self.is_active and self.role == self.Role.FACILITATOR

    @property
    def needs_charter_acceptance(self) -> bool:
        """True when a material charter change since this member's acceptance is pending."""
        return self.accepted_charter_number < self.community.required_charter_number


class CharterAcceptance(models.Model):
    """A member accepted a charter version at a given time."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="charter_acceptances"
    )
    version = models.ForeignKey(CharterVersion, on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("charter acceptance")
        verbose_name_plural = _("charter acceptances")
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "version"], name="charter_acceptance_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} accepted v{self.version.number}"


class MembershipEvent(models.Model):
    """The history of a membership: who changed what, when."""

    class Action(models.TextChoices):
        JOINED = "joined", _("joined")
        REQUESTED = "requested", _("asked to join")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")
        INVITATION_ACCEPTED = "invitation_accepted", _("accepted an invitation")
        RULES_ACCEPTED = "rules_accepted", _("accepted the rules")
        ROLE_CHANGED = "role_changed", _("role changed")
        LEFT = "left", _("left")
        REMOVED = "removed", _("removed")
        BANNED = "banned", _("banned")
        UNBANNED = "unbanned", _("ban lifted")

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=24, choices=Action.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership event")
        verbose_name_plural = _("membership history")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.membership}: {self.action}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + INVITATION_LIFETIME


def mask_email(email: str) -> str:
    """`new.person@practica.test` → `n***@p***.test`: enough to recognise, not to copy."""
    local, _at, domain = email.partition("@")
    name, dot, tld = domain.rpartition(".")
    if not dot:
        name, tld = domain, ""
    masked_domain = f"{name[:1]}***{dot}{tld}" if name else ""
    return f"{local[:1]}***@{masked_domain}"


class Invitation(models.Model):
    """A single-use invitation bound to one email address, valid for 14 days."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(
        _("role"), max_length=12, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    message = models.TextField(_("personal message"), blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), default=_invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "community",
                models.functions.Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.community}"

    def get_absolute_url(self) -> str:
        return reverse("communities:invitation", args=[self.token])

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def masked_email(self) -> str:
        """The invited address as shown to anyone but its owner: `n***@p***.test`."""
        return mask_email(self.email)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "open"


class Report(models.Model):
    """A member reports a post or comment as breaking a rule of the charter (or "other")."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for review")
        DISMISSED = "dismissed", _("Dismissed")
        ACTIONED = "actioned", _("Acted on")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    post = models.ForeignKey(
        "practices.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    comment = models.ForeignKey(
        "practices.Comment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
    )
    rule = models.ForeignKey(
        Rule,
        verbose_name=_("rule broken"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    rule_title = models.CharField(_("rule"), max_length=160, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "post", "comment"],
                name="report_once_per_item",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(post__isnull=False) | Q(comment__isnull=False),
                name="report_has_a_target",
            ),
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return f"Report by {self.reporter} in {self.community}"


class ModerationAction(models.Model):
    """The audit log: who did what to which content or member, when and why."""

    class Action(models.TextChoices):
        DISMISSED = "dismissed", _("dismissed reports")
        HIDDEN = "hidden", _("hid content")
        UNHIDDEN = "unhidden", _("showed content again")
        WARNED = "warned", _("warned the author")
        AUTO_HIDDEN = "auto_hidden", _("content hidden automatically after reports")
        REVIEW_REQUESTED = "review_requested", _("author asked for a review")
        REMOVED = "removed", _("removed a member")
        BANNED = "banned", _("banned a member")
        APPROVED = "approved", _("approved a post waiting for moderation")
        REJECTED = "rejected", _("rejected a post waiting for moderation")
        ARCHIVED = "archived", _("archived the community")
        RESTORED = "restored", _("restored the community")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="moderation_actions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    post = models.ForeignKey(
        "practices.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        "practices.Comment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule_title = models.CharField(_("rule"), max_length=160, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} in {self.community}"


class InvitationOptOut(models.Model):
    """An address that asked for no more invitations, from anyone (the link in every
    invitation email). Signing up with it, or accepting an invitation, lifts it."""

    email = models.EmailField(_("email"), unique=True)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)

    class Meta:
        verbose_name = _("invitation opt-out")
        verbose_name_plural = _("invitation opt-outs")

    def __str__(self) -> str:
        return self.email
