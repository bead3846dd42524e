"""Staff look at playbooks here; pages change on the site, where every write adds a
revision (practices.playbook.services)."""

from django.contrib import admin

from .models import PlaybookPage, PlaybookProposal, PlaybookRevision


class _LookOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PlaybookPage)
class PlaybookPageAdmin(_LookOnly):
    list_display = ["title", "community", "position", "revision_number", "updated_at"]
    list_filter = ["community", "updated_at"]
    list_select_related = ["community"]
    search_fields = ["title", "slug", "community__name"]
    exclude = ["body_html"]


@admin.register(PlaybookRevision)
class PlaybookRevisionAdmin(_LookOnly):
    list_display = ["page", "number", "author", "accepted_by", "created_at"]
    list_filter = ["created_at", "page__community"]
    list_select_related = ["page", "author", "accepted_by"]
    search_fields = ["title", "page__title", "author__display_name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PlaybookProposal)
class PlaybookProposalAdmin(_LookOnly):
    list_display = ["title", "community", "proposer", "status", "created_at", "decided_at"]
    list_filter = ["status", "community"]
    list_select_related = ["community", "proposer"]
    search_fields = ["title", "proposer__display_name", "community__name"]
