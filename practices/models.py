from pathlib import PurePath

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from .querysets import CommentQuerySet, PostQuerySet

SEARCH_CONFIG = "english"


def _weighted(*fields: str, weight: str) -> SearchVector:
    return SearchVector(*fields, config=SEARCH_CONFIG, weight=weight)


class PostTag(TaggedItemBase):
    content_object = models.ForeignKey("Post", on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("post topic")


class Post(models.Model):
    """A practice experience or a challenge put to the community."""

    class Kind(models.TextChoices):
        EXPERIENCE = "experience", _("Experience")
        CHALLENGE = "challenge", _("Challenge")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for approval")
        PUBLISHED = "published", _("Published")
        DELETED = "deleted", _("Deleted")

    class Outcome(models.TextChoices):
        WORKED = "worked", _("It worked")
        MIXED = "mixed", _("Mixed results")
        FAILED = "failed", _("It did not work")

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED
    )
    title = models.CharField(_("title"), max_length=200)
    situation = models.TextField(
        _("situation"), blank=True, help_text=_("The context: where, who, what was at stake.")
    )
    tried = models.TextField(_("what I tried"), blank=True)
    happened = models.TextField(_("what happened"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, blank=True)
    learned = models.TextField(_("what I learned"), blank=True)
    recommend = models.TextField(_("what I would recommend"), blank=True)
    help_wanted = models.TextField(_("what would help"), blank=True)
    tags = TaggableManager(_("topics"), through=PostTag, blank=True)
    is_pinned = models.BooleanField(
        _("starter post"), default=False, help_text=_("Pinned for new members to read.")
    )
    # Shown as "a member of this community" to everyone but its author, the community's
    # facilitators and staff (practices.bylines); the author may reveal themselves later.
    shared_without_name = models.BooleanField(_("shared without name"), default=False)
    revealed_at = models.DateTimeField(_("author revealed"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    review_requested_at = models.DateTimeField(_("review requested"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    applied_count = models.PositiveIntegerField(default=0, editable=False)
    comments_text = models.TextField(
        blank=True, editable=False, help_text=_("Visible comments, kept for full-text search.")
    )
    # Rendered once when written (practices.markdown): sanitised HTML per Markdown field,
    # the plain-text excerpt list pages quote, and the renderer version that made them.
    body_html = models.JSONField(default=dict, blank=True, editable=False)
    excerpt = models.TextField(blank=True, editable=False)
    markdown_version = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    search_vector = models.GeneratedField(
        expression=_weighted("title", weight="A")
        + _weighted("learned", "recommend", weight="B")
        + _weighted("situation", "tried", "happened", "help_wanted", weight="C")
        + _weighted("comments_text", weight="D"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-published_at"]
        indexes = [
            GinIndex(fields=["search_vector"], name="practices_post_search_idx"),
            models.Index(
                fields=["community", "-published_at"],
                name="practices_post_feed_idx",
                condition=Q(status="published"),
            ),
            models.Index(
                fields=["community", "-last_activity_at"],
                name="practices_post_active_idx",
                condition=Q(status="published"),
            ),
            # Starter posts lead a feed: a handful of rows among thousands.
            models.Index(
                fields=["community", "-published_at"],
                name="practices_post_pinned_idx",
                condition=Q(status="published", is_pinned=True),
            ),
            # The feed's "challenges" and "open challenges" filters: a community of mostly
            # experiences would otherwise walk past all of them to find 20 challenges.
            models.Index(
                fields=["community", "-published_at"],
                name="practices_post_challenge_idx",
                condition=Q(status="published", kind="challenge"),
            ),
            models.Index(fields=["-published_at"], name="practices_post_recent_idx"),
            models.Index(fields=["author", "-published_at"], name="practices_post_author_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practices:detail", args=[self.community.slug, self.pk])

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_challenge(self) -> bool:
        return self.kind == self.Kind.CHALLENGE

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class PostRevision(models.Model):
    """The content of a post before an edit: the visible edit history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    content = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.post} @ {self.created_at:%Y-%m-%d %H:%M}"


class Comment(models.Model):
    """A comment or answer on a post; replies go one level deep."""

    # Writing and editing share one cap (forms and services read it from here).
    BODY_MAX_CHARS = 10_000

    class Status(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        DELETED = "deleted", _("Deleted")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(_("comment"))
    # Sanitised HTML of `body`, rendered when written (practices.markdown).
    body_html = models.TextField(blank=True, editable=False)
    markdown_version = models.PositiveSmallIntegerField(default=0, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VISIBLE)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(max_length=300, blank=True)
    review_requested_at = models.DateTimeField(null=True, blank=True)
    marked_helpful_at = models.DateTimeField(_("marked helpful"), null=True, blank=True)
    marked_helpful_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["post", "created_at"])]

    def __str__(self) -> str:
        return f"{self.author} on {self.post}"

    def get_absolute_url(self) -> str:
        return f"{self.post.get_absolute_url()}#comment-{self.pk}"

    @property
    def is_helpful(self) -> bool:
        return self.marked_helpful_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Reaction(models.Model):
    """ "Helpful" or "I applied this" on a post; one of each per member."""

    class Kind(models.TextChoices):
        HELPFUL = "helpful", _("Helpful")
        APPLIED = "applied", _("I applied this")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    note = models.CharField(
        _("how it went"), max_length=280, blank=True, help_text=_("One line on how it went.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="reaction_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.post}"


class Bookmark(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="bookmark_unique")]

    def __str__(self) -> str:
        return f"{self.user} ★ {self.post}"


class PostFollow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_follows"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="post_follow_unique")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.post}"


class TagFollow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tag_follows"
    )
    tag = models.ForeignKey("taggit.Tag", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tag"], name="tag_follow_unique")]

    def __str__(self) -> str:
        return f"{self.user} follows #{self.tag}"


class Mention(models.Model):
    """An @mention of a member in a post or comment (notifications read these)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="mentions"
    )
    mentioned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "comment", "mentioned"],
                name="mention_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"@{self.mentioned} in {self.post}"


class PostRead(models.Model):
    """When a member last opened a post: what was there then is read, posts and
    comments that came later are new to them (`PostQuerySet.with_unread`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_reads"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reads")
    seen_at = models.DateTimeField(_("seen"), default=timezone.now)

    class Meta:
        verbose_name = _("read post")
        verbose_name_plural = _("read posts")
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="post_read_unique")]

    def __str__(self) -> str:
        return f"{self.user} read {self.post} @ {self.seen_at:%Y-%m-%d %H:%M}"


class CommunityRead(models.Model):
    """A member's "mark all as read" in a community: everything published or commented
    before `read_before` counts as read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_reads"
    )
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="reads"
    )
    read_before = models.DateTimeField(_("read before"), default=timezone.now)

    class Meta:
        verbose_name = _("read community")
        verbose_name_plural = _("read communities")
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="community_read_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.community} before {self.read_before:%Y-%m-%d %H:%M}"


ATTACHMENT_TYPE_LABELS = {
    "application/pdf": _("PDF document"),
    "text/plain": _("Text"),
    "text/csv": _("CSV table"),
    "text/markdown": _("Markdown text"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _("Word document"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _("Excel spreadsheet"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _(
        "PowerPoint presentation"
    ),
}


class Attachment(models.Model):
    """A file on a post, on one of its comments, or in a meeting's notes
    (practices.attachments).

    Stored under a random name; the name it was uploaded with is kept only to offer it
    back on download. Uploaded but not yet attached (no post and no meeting) it is
    pending: the form came back with a problem, or the person never sent it;
    `removed_at` marks one taken off. The periodic cleanup deletes both kinds with their
    files.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        FILE = "file", _("File")

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", max_length=200)
    thumbnail = models.FileField(
        _("thumbnail"), upload_to="attachments/thumbnails/%Y/%m/", max_length=200, blank=True
    )
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["post", "comment"]),
            models.Index(
                fields=["meeting"], condition=Q(meeting__isnull=False), name="attachment_meeting"
            ),
            # The cleanup's two questions: pending since when, removed since when.
            models.Index(
                fields=["created_at"],
                condition=Q(post__isnull=True, meeting__isnull=True),
                name="attachment_pending",
            ),
            models.Index(
                fields=["removed_at"],
                condition=Q(removed_at__isnull=False),
                name="attachment_removed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(comment__isnull=True) | Q(post__isnull=False),
                name="attachment_comment_has_post",
            ),
            models.CheckConstraint(
                condition=Q(post__isnull=True) | Q(meeting__isnull=True),
                name="attachment_on_a_post_or_a_meeting",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("practices:attachment", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE

    @property
    def type_label(self) -> str:
        """What kind of file this is, in words, from the type its content was found to be."""
        base = self.content_type.split(";")[0]
        return str(ATTACHMENT_TYPE_LABELS.get(base, _("File")))

    @property
    def thumbnail_url(self) -> str:
        return reverse("practices:attachment_thumbnail", args=[self.pk])

    @property
    def shown_name(self) -> str:
        """The name readers see and download it under. A file that the author of a post
        shared without name attached there (to the post or to one of their comments) is
        named by its number, as a file's name often says who made it. Needs `post`
        loaded (the callers have it) when the file is on a post."""
        post = self.post if self.post_id is not None else None
        if post is not None and post.shared_without_name and self.uploader_id == post.author_id:
            return _("file-%(number)s%(suffix)s") % {
                "number": self.pk,
                "suffix": PurePath(self.original_name).suffix.lower(),
            }
        return self.original_name
