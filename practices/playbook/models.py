"""A community's playbook: pages its team writes in Markdown, with their history and
the experience posts that are their evidence, and the changes members propose."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practices.models import SEARCH_CONFIG

from .querysets import PlaybookPageQuerySet


class PlaybookPage(models.Model):
    """One page of a community's playbook: what the community recommends doing."""

    TITLE_MAX_CHARS = 200
    BODY_MAX_CHARS = 50_000

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="playbook_pages"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_CHARS)
    slug = models.SlugField(_("address"), max_length=80)
    body = models.TextField(_("text"), blank=True)
    # Rendered once when written (practices.markdown, with heading anchors).
    body_html = models.TextField(blank=True, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    evidence = models.ManyToManyField(
        "practices.Post",
        verbose_name=_("evidence"),
        related_name="playbook_pages",
        blank=True,
        help_text=_("Experience posts of the community this page is based on."),
    )
    from_lesson = models.ForeignKey(
        "practices.Post",
        verbose_name=_("from the lesson of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revision_number = models.PositiveIntegerField(_("current revision"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    search_vector = models.GeneratedField(
        expression=SearchVector("title", config=SEARCH_CONFIG, weight="A")
        + SearchVector("body", config=SEARCH_CONFIG, weight="B"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = PlaybookPageQuerySet.as_manager()

    class Meta:
        verbose_name = _("playbook page")
        verbose_name_plural = _("playbook pages")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="playbook_page_slug_unique")
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="playbook_page_search_idx"),
            models.Index(fields=["community", "position"], name="playbook_page_order_idx"),
            models.Index(fields=["community", "-updated_at"], name="playbook_page_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("playbook:page", args=[self.community.slug, self.slug])


class PlaybookRevision(models.Model):
    """A page as one write left it: its title, text and evidence. Revisions are only
    ever added: restoring an old one adds a new revision with its content."""

    page = models.ForeignKey(PlaybookPage, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=PlaybookPage.TITLE_MAX_CHARS)
    body = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # A member's proposal accepted by a facilitator: the proposer is the author.
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    restored_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The experiences the page was based on in this version.
    evidence = models.ManyToManyField(
        "practices.Post", verbose_name=_("evidence"), related_name="+", blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("playbook revision")
        verbose_name_plural = _("playbook revisions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="playbook_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.page} #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse(
            "playbook:revision", args=[self.page.community.slug, self.page.slug, self.number]
        )


class PlaybookProposal(models.Model):
    """A member's proposed change to a page (or a new page), for a facilitator to
    accept or decline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="playbook_proposals"
    )
    # None: a proposed new page.
    page = models.ForeignKey(
        PlaybookPage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proposals",
    )
    # The revision the proposal was written against (0 for a new page).
    base_number = models.PositiveIntegerField(default=0)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playbook_proposals"
    )
    title = models.CharField(_("title"), max_length=PlaybookPage.TITLE_MAX_CHARS)
    body = models.TextField(_("text"), blank=True)
    note = models.CharField(_("why this change"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)
    revision = models.ForeignKey(
        PlaybookRevision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("playbook proposal")
        verbose_name_plural = _("playbook proposals")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["community", "created_at"],
                name="playbook_proposal_open_idx",
                condition=Q(status="open"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("playbook:proposal", args=[self.community.slug, self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
