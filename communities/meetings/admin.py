from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    Insight,
    Meeting,
    MeetingSeries,
    ReminderDelivery,
    ReminderPreference,
    Rsvp,
)


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "rrule", "time_zone", "start_date", "materialised_until"]
    list_filter = ["audience", "start_date"]
    search_fields = ["title", "community__name", "uid"]
    list_select_related = ["community"]
    autocomplete_fields = ["community", "created_by"]
    readonly_fields = ["uid", "materialised_until", "sequence", "created_at", "updated_at"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "starts_at", "status", "going_count", "capacity"]
    list_filter = ["status", "audience", "starts_at"]
    search_fields = ["title", "community__name", "uid"]
    list_select_related = ["community"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["community", "series", "note_taker", "created_by"]
    readonly_fields = [
        "uid",
        "original_start",
        "is_detached",
        "sequence",
        "going_count",
        "cancelled_at",
        "created_at",
        "updated_at",
    ]
    actions = ["cancel"]

    @admin.action(description=_("Cancel the selected meetings and tell those who said yes"))
    def cancel(self, request, queryset):
        count = 0
        for meeting in queryset.filter(status=Meeting.Status.SCHEDULED):
            try:
                services.meeting_cancel(meeting=meeting, by=request.user)
            except Exception as error:  # noqa: BLE001 - reported to the admin, not raised
                self.message_user(request, f"{meeting}: {error}", messages.ERROR)
            else:
                count += 1
        self.message_user(
            request,
            ngettext("%d meeting cancelled.", "%d meetings cancelled.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Rsvp)
class RsvpAdmin(admin.ModelAdmin):
    list_display = ["meeting", "user", "status", "waiting_since", "responded_at"]
    list_filter = ["status", "responded_at"]
    search_fields = ["meeting__title", "user__email", "user__display_name"]
    list_select_related = ["meeting", "user"]
    autocomplete_fields = ["meeting", "user"]
    readonly_fields = ["responded_at", "waiting_since"]


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "day_before", "hour_before"]
    list_filter = ["day_before", "hour_before"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    """Audit of reminders queued: staff look, nobody changes them."""

    list_display = ["meeting", "user", "kind", "starts_at", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["meeting__title", "user__email"]
    list_select_related = ["meeting", "user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Insight)
class InsightAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "person", "kind", "status", "created_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["title", "meeting__title", "person__email", "person__display_name"]
    list_select_related = ["meeting", "person"]
    autocomplete_fields = ["meeting", "person", "post", "proposed_by"]
    readonly_fields = ["status", "post", "decided_at", "created_at"]
