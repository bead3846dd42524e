from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import OutboundEmail, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "language", "date_joined"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "bio", "avatar", "time_zone", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "password1", "password2"),
            },
        ),
    )


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["to", "subject", "dedupe_key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Send failed emails again"))
    def resend(self, request, queryset):
        count = services.email_resend(email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d email queued again.", "%d emails queued again.", count) % count,
            messages.SUCCESS,
        )
