from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    Attachment,
    Bookmark,
    Comment,
    CommunityRead,
    Mention,
    Post,
    PostFollow,
    PostRead,
    PostRevision,
    PostTag,
    Reaction,
    TagFollow,
)

STAFF_HIDE_REASON = _("Hidden by site staff")


def _set_hidden(modeladmin, request, queryset, *, hidden: bool) -> int:
    """Run the hiding service for each selected row, so the same rules and side effects
    (comment counts, search text, "answered" state) apply as on the site."""
    done = 0
    for obj in queryset:
        try:
            if isinstance(obj, Post):
                services.post_set_hidden(
                    post=obj, by=request.user, hidden=hidden, reason=str(STAFF_HIDE_REASON)
                )
            else:
                services.comment_set_hidden(
                    comment=obj, by=request.user, hidden=hidden, reason=str(STAFF_HIDE_REASON)
                )
        except (PermissionDenied, ValidationError) as error:
            modeladmin.message_user(request, f"{obj}: {error}", messages.ERROR)
        else:
            done += 1
    return done


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the site writes itself; staff look at them, nobody edits them here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "community",
        "author",
        "kind",
        "outcome",
        "status",
        "is_hidden",
        "published_at",
    ]
    list_filter = [
        "community",
        "kind",
        "outcome",
        "status",
        "shared_without_name",
        ("hidden_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["title", "author__email", "community__name"]
    list_select_related = ["community", "author"]
    autocomplete_fields = ["author", "community"]
    date_hierarchy = "published_at"
    exclude = ["search_vector"]
    readonly_fields = [
        "revealed_at",
        "comment_count",
        "helpful_count",
        "applied_count",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
        "answered_at",
        "created_at",
        "published_at",
        "edited_at",
        "last_activity_at",
    ]
    actions = ["hide", "unhide"]

    def has_add_permission(self, request) -> bool:
        # Posts are written by members, through the rules that apply to members.
        return False

    def save_model(self, request, obj: Post, form, change) -> None:
        services.post_render_stored(post=obj)
        super().save_model(request, obj, form, change)

    @admin.display(boolean=True, description=_("hidden"), ordering="hidden_at")
    def is_hidden(self, obj: Post) -> bool:
        return obj.is_hidden

    @admin.action(description=_("Hide the selected posts"), permissions=["change"])
    def hide(self, request, queryset):
        done = _set_hidden(self, request, queryset, hidden=True)
        self.message_user(
            request, ngettext("%d post hidden.", "%d posts hidden.", done) % done, messages.SUCCESS
        )

    @admin.action(description=_("Show the selected posts again"), permissions=["change"])
    def unhide(self, request, queryset):
        done = _set_hidden(self, request, queryset, hidden=False)
        self.message_user(
            request,
            ngettext("%d post shown again.", "%d posts shown again.", done) % done,
            messages.SUCCESS,
        )


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "post", "author", "status", "is_hidden", "is_helpful", "created_at"]
    list_filter = [
        "status",
        ("hidden_at", admin.EmptyFieldListFilter),
        ("marked_helpful_at", admin.EmptyFieldListFilter),
        "post__community",
    ]
    search_fields = ["body", "author__email", "post__title"]
    list_select_related = ["post", "author"]
    autocomplete_fields = ["post", "author", "parent"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "hidden_at",
        "hidden_by",
        "hidden_reason",
        "marked_helpful_at",
        "marked_helpful_by",
        "created_at",
        "edited_at",
    ]
    actions = ["hide", "unhide"]

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj: Comment, form, change) -> None:
        services.comment_render_stored(comment=obj)
        super().save_model(request, obj, form, change)

    @admin.display(boolean=True, description=_("hidden"), ordering="hidden_at")
    def is_hidden(self, obj: Comment) -> bool:
        return obj.is_hidden

    @admin.display(boolean=True, description=_("helpful"), ordering="marked_helpful_at")
    def is_helpful(self, obj: Comment) -> bool:
        return obj.is_helpful

    @admin.action(description=_("Hide the selected comments"), permissions=["change"])
    def hide(self, request, queryset):
        done = _set_hidden(self, request, queryset.select_related("post__community"), hidden=True)
        self.message_user(
            request,
            ngettext("%d comment hidden.", "%d comments hidden.", done) % done,
            messages.SUCCESS,
        )

    @admin.action(description=_("Show the selected comments again"), permissions=["change"])
    def unhide(self, request, queryset):
        done = _set_hidden(self, request, queryset.select_related("post__community"), hidden=False)
        self.message_user(
            request,
            ngettext("%d comment shown again.", "%d comments shown again.", done) % done,
            messages.SUCCESS,
        )


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["post", "user", "kind", "note", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["post__title", "user__email", "note"]
    list_select_related = ["post", "user"]
    autocomplete_fields = ["post", "user"]


@admin.register(Bookmark)
class BookmarkAdmin(admin.ModelAdmin):
    list_display = ["post", "user", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["post__title", "user__email"]
    list_select_related = ["post", "user"]
    autocomplete_fields = ["post", "user"]


@admin.register(PostFollow)
class PostFollowAdmin(admin.ModelAdmin):
    list_display = ["post", "user", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["post__title", "user__email"]
    list_select_related = ["post", "user"]
    autocomplete_fields = ["post", "user"]


@admin.register(PostRead)
class PostReadAdmin(admin.ModelAdmin):
    list_display = ["post", "user", "seen_at"]
    list_filter = ["seen_at"]
    search_fields = ["post__title", "user__email"]
    list_select_related = ["post", "user"]
    autocomplete_fields = ["post", "user"]


@admin.register(CommunityRead)
class CommunityReadAdmin(admin.ModelAdmin):
    list_display = ["community", "user", "read_before"]
    list_filter = ["read_before"]
    search_fields = ["community__name", "user__email"]
    list_select_related = ["community", "user"]
    autocomplete_fields = ["community", "user"]


@admin.register(TagFollow)
class TagFollowAdmin(admin.ModelAdmin):
    list_display = ["tag", "user", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["tag__name", "user__email"]
    list_select_related = ["tag", "user"]
    autocomplete_fields = ["tag", "user"]


@admin.register(Mention)
class MentionAdmin(ReadOnlyAdmin):
    list_display = ["mentioned", "author", "post", "comment", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["mentioned__email", "author__email", "post__title"]
    list_select_related = ["mentioned", "author", "post", "comment__author", "comment__post"]


@admin.register(PostRevision)
class PostRevisionAdmin(ReadOnlyAdmin):
    list_display = ["post", "editor", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["post__title", "editor__email"]
    list_select_related = ["post", "editor"]
    date_hierarchy = "created_at"


@admin.register(PostTag)
class PostTagAdmin(ReadOnlyAdmin):
    """Which topics each post has; authors set them when they write."""

    list_display = ["tag", "content_object"]
    list_filter = [("tag", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["tag__name", "content_object__title"]
    list_select_related = ["tag", "content_object"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Files on posts, comments and meeting notes; they are added and removed on the
    site, by their uploader, and deleted with their files by the hourly cleanup."""

    list_display = [
        "original_name",
        "kind",
        "size",
        "post",
        "comment",
        "meeting",
        "uploader",
        "created_at",
    ]
    list_filter = ["kind", "created_at", "removed_at"]
    search_fields = ["original_name", "post__title", "meeting__title", "uploader__email"]
    list_select_related = [
        "post",
        "uploader",
        "comment__author",
        "comment__post",
        "meeting__community",
    ]
    date_hierarchy = "created_at"
