from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import digests, outbox, permissions
from .api_tokens import ApiToken, api_token_revoke
from .feed_tokens import FeedToken
from .models import DigestDelivery, Notification, NotificationSetting, OutboundEmail, User


class StaffGrantingUserChangeForm(UserChangeForm):
    """Staff or superuser status only for an account that already has a second factor."""

    def clean(self):
        cleaned = super().clean()
        granted = [
            name
            for name in ("is_staff", "is_superuser")
            if cleaned.get(name) and name in self.changed_data
        ]
        if granted:
            try:
                permissions.check_can_become_staff(self.instance)
            except ValidationError as error:
                self.add_error(granted[0], error)
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = StaffGrantingUserChangeForm
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
    list_display = [
        "subject",
        "to",
        "kind",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "body_state",
    ]
    list_filter = ["status", "kind", "created_at", ("body_purged_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "subject", "dedupe_key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
    actions = ["resend", "send_now"]
    # Bodies hold password-reset and verification links and invitation tokens.
    secret_fields = ("body_text", "body_html")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return [f for f in fields if f not in self.secret_fields]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return [f for f in fields if f not in self.secret_fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("body"), ordering="body_purged_at")
    def body_state(self, email: OutboundEmail) -> str:
        if email.body_purged_at:
            return _("Removed %(date)s") % {
                "date": date_format(localtime(email.body_purged_at), "DATE_FORMAT")
            }
        if email.body_secret:
            return _("Removed once sent")
        return _("Kept")

    @admin.action(description=_("Send failed emails again"), permissions=["change"])
    def resend(self, request, queryset):
        count = outbox.email_resend(email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d email queued again.", "%d emails queued again.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Send pending emails now"), permissions=["change"])
    def send_now(self, request, queryset):
        count = outbox.email_send_now(email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d pending email queued.", "%d pending emails queued.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "actor",
        "community",
        "created_at",
        "read_at",
        "email_status",
    ]
    list_filter = [
        "kind",
        "email_status",
        ("read_at", admin.EmptyFieldListFilter),
        "created_at",
    ]
    search_fields = ["recipient__email", "recipient__display_name", "summary"]
    list_select_related = ["recipient", "actor", "community"]
    autocomplete_fields = ["recipient", "actor"]
    raw_id_fields = ["community", "post", "comment", "invitation"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "emailed_at"]


@admin.register(NotificationSetting)
class NotificationSettingAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "channel"]
    list_filter = ["kind", "channel"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "user_email",
        "period",
        "status",
        "item_count",
        "claimed_at",
        "finished_at",
        "outbox_status",
        "short_error",
    ]
    list_filter = ["status", "claimed_at", ("error", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__display_name", "period"]
    list_select_related = ["user", "email"]
    date_hierarchy = "claimed_at"
    readonly_fields = [f.name for f in DigestDelivery._meta.fields]
    actions = ["send_now"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("email address"), ordering="user__email")
    def user_email(self, delivery: DigestDelivery) -> str:
        return delivery.user.email

    @admin.display(description=_("email"))
    def outbox_status(self, delivery: DigestDelivery) -> str:
        return delivery.email.get_status_display() if delivery.email else "—"

    @admin.display(description=_("error"))
    def short_error(self, delivery: DigestDelivery) -> str:
        return delivery.error[:80]

    @admin.action(description=_("Send failed digests now"), permissions=["change"])
    def send_now(self, request: HttpRequest, queryset: QuerySet[DigestDelivery]) -> None:
        count = digests.deliveries_retry(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d failed digest queued again.", "%d failed digests queued again.", count)
            % count,
            messages.SUCCESS,
        )


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    """Secret feed addresses: staff revoke them by deleting; the token stays unseen."""

    list_display = ["user", "purpose", "created_at", "revoked_at"]
    list_filter = ["purpose", "revoked_at"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    exclude = ["token"]
    readonly_fields = ["created_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Members' personal access tokens: staff see them (never the secret, which is not
    stored) and revoke them, for instance after a leak."""

    list_display = [
        "name",
        "user",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["scope", "revoked_at", "expires_at"]
    search_fields = ["name", "hint", "user__email", "user__display_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    exclude = ["digest"]
    readonly_fields = [
        "user",
        "name",
        "scope",
        "hint",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request, obj=None):
        return False  # a token is created by its owner, who is the only one to see it

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        count = sum(api_token_revoke(user=t.user, pk=t.pk) for t in queryset)
        message = ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
