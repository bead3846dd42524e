"""What the API says about posts and comments, and what it accepts to write them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import StrictBooleanField, StrictCharField, StrictIntegerField

from .. import bylines
from ..models import Attachment, Comment, Post, Reaction
from ..services import CHALLENGE_FIELDS, EXPERIENCE_FIELDS


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    display_name = serializers.CharField(read_only=True)


AUTHOR_HELP = "Null when shared without name: `byline` then says “a member of this community”."


class AttachmentSerializer(serializers.ModelSerializer):
    """A file on a post or a comment; `shown_attachments` is set by the view
    (`attachments.with_shown_attachments`)."""

    url = serializers.SerializerMethodField(
        help_text="Downloads the file (images are shown inline); the same door as the post."
    )
    thumbnail_url = serializers.SerializerMethodField(help_text="Images only; null for files.")
    name = serializers.CharField(
        source="shown_name",
        read_only=True,
        help_text=(
            "The name it was attached under, made safe; on a post shared without name, "
            "its author's files are named by their number."
        ),
    )

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "kind", "url", "thumbnail_url"]
        read_only_fields = fields
        extra_kwargs = {"size": {"help_text": "In bytes."}}

    def get_url(self, attachment: Attachment) -> str:
        return self.context["request"].build_absolute_uri(attachment.get_absolute_url())

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_thumbnail_url(self, attachment: Attachment) -> str | None:
        if not attachment.thumbnail:
            return None
        return self.context["request"].build_absolute_uri(attachment.thumbnail_url)


ATTACHMENTS_HELP = "The files attached, oldest first (not those on its comments)."


class PostSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = serializers.SerializerMethodField(help_text=AUTHOR_HELP)
    byline = serializers.SerializerMethodField(help_text="Who shared it, as the site shows it.")
    shared_without_name = serializers.BooleanField(read_only=True)
    tags = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The post's page on the site.")
    is_hidden = serializers.SerializerMethodField()
    outcome = serializers.ChoiceField(
        choices=Post.Outcome.choices,
        allow_blank=True,
        read_only=True,
        help_text="Experiences only.",
    )
    attachments = AttachmentSerializer(
        source="shown_attachments", many=True, read_only=True, help_text=ATTACHMENTS_HELP
    )

    class Meta:
        model = Post
        fields = [
            "id",
            "community",
            "kind",
            "status",
            "title",
            "outcome",
            "author",
            "byline",
            "shared_without_name",
            "tags",
            "is_pinned",
            "is_hidden",
            "comment_count",
            "helpful_count",
            "applied_count",
            "answered_at",
            "published_at",
            "last_activity_at",
            "url",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(AuthorSerializer(allow_null=True))
    def get_author(self, post: Post) -> dict | None:
        author = bylines.shown_author(post)
        return AuthorSerializer(author).data if author is not None else None

    def get_byline(self, post: Post) -> str:
        return bylines.author_name(post)

    def get_tags(self, post: Post) -> list[str]:
        return [tag.name for tag in post.tags.all()]

    def get_url(self, post: Post) -> str:
        return self.context["request"].build_absolute_uri(post.get_absolute_url())

    def get_is_hidden(self, post: Post) -> bool:
        return post.hidden_at is not None


class ViewerStateSerializer(serializers.Serializer):
    helpful = serializers.BooleanField(source="viewer_helpful", default=False)
    applied = serializers.BooleanField(source="viewer_applied", default=False)
    bookmarked = serializers.BooleanField(source="viewer_bookmarked", default=False)
    following = serializers.BooleanField(source="viewer_following", default=False)


class PostDetailSerializer(PostSerializer):
    """Everything the post page shows, as Markdown source."""

    viewer = serializers.SerializerMethodField()

    class Meta(PostSerializer.Meta):
        fields = [
            *PostSerializer.Meta.fields,
            "situation",
            "tried",
            "happened",
            "learned",
            "recommend",
            "help_wanted",
            "edited_at",
            "viewer",
        ]
        read_only_fields = fields

    def get_viewer(self, post: Post) -> ViewerStateSerializer:
        return ViewerStateSerializer(post).data


class PostWriteSerializer(serializers.Serializer):
    """An experience or a challenge. The services decide what is required to publish."""

    kind = serializers.ChoiceField(choices=Post.Kind.choices)
    title = StrictCharField(max_length=200, allow_blank=True, default="")
    situation = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    tried = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    happened = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    outcome = serializers.ChoiceField(choices=Post.Outcome.choices, required=False)
    learned = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    recommend = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    help_wanted = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    tags = serializers.ListField(
        child=StrictCharField(max_length=100), required=False, max_length=20
    )
    publish = StrictBooleanField(
        default=True, help_text="False keeps it as a draft only you can see."
    )
    shared_without_name = StrictBooleanField(
        default=False,
        help_text=(
            "Where the community allows it: members see “a member of this community” "
            "instead of your name; its facilitators still see it."
        ),
    )


class PostUpdateSerializer(serializers.Serializer):
    """The fields to change; those left out stay as they are."""

    title = StrictCharField(max_length=200, required=False)
    situation = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    tried = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    happened = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    outcome = serializers.ChoiceField(choices=Post.Outcome.choices, required=False)
    learned = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    recommend = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    help_wanted = StrictCharField(allow_blank=True, required=False, max_length=20_000)
    tags = serializers.ListField(
        child=StrictCharField(max_length=100), required=False, max_length=20
    )
    publish = StrictBooleanField(default=False, help_text="Publish a draft.")


def content_of(kind: str, data: dict) -> dict:
    """The fields of `data` that a post of `kind` has."""
    fields = EXPERIENCE_FIELDS if kind == Post.Kind.EXPERIENCE else CHALLENGE_FIELDS
    return {f: data[f] for f in fields if f in data}


class CommentSerializer(serializers.ModelSerializer):
    """A comment; its `post` must be loaded (the view sets the page's post on each)."""

    author = serializers.SerializerMethodField(
        help_text="Null for the author's own comments on their post shared without name."
    )
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    is_hidden = serializers.SerializerMethodField()
    is_helpful = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(
        source="shown_attachments",
        many=True,
        read_only=True,
        help_text="The files attached to this comment, oldest first.",
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "parent",
            "author",
            "body",
            "is_hidden",
            "is_helpful",
            "created_at",
            "edited_at",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(AuthorSerializer(allow_null=True))
    def get_author(self, comment: Comment) -> dict | None:
        if not bylines.comment_shows_author(comment):
            return None
        return AuthorSerializer(comment.author).data

    def get_is_hidden(self, comment: Comment) -> bool:
        return comment.hidden_at is not None

    def get_is_helpful(self, comment: Comment) -> bool:
        return comment.marked_helpful_at is not None


class CommentWriteSerializer(serializers.Serializer):
    body = StrictCharField(max_length=Comment.BODY_MAX_CHARS)
    parent = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="The comment this replies to.",
    )


class ReactionWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Reaction.Kind.choices)
    active = StrictBooleanField(default=True, help_text="False takes the reaction back.")
    note = StrictCharField(max_length=280, allow_blank=True, default="")


class ReactionStateSerializer(serializers.Serializer):
    kind = serializers.CharField()
    active = serializers.BooleanField()
    helpful_count = serializers.IntegerField()
    applied_count = serializers.IntegerField()


class SearchResultSerializer(PostSerializer):
    snippet = serializers.SerializerMethodField(
        help_text="Matching text; only <mark> tags, around the words found."
    )

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "snippet"]
        read_only_fields = fields

    def get_snippet(self, post: Post) -> str:
        return str(getattr(post, "snippet_html", ""))
