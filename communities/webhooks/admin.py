from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import SUBSCRIBABLE, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .targets import target_check


class SiteWideEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=SUBSCRIBABLE, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not self.instance.pk or url != self.instance.url:
            target_check(url)
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Staff register site-wide endpoints here (events of every community); a
    community's endpoints belong to its facilitators and are only shown."""

    form = SiteWideEndpointForm
    list_display = ["__str__", "community", "created_by", "is_active", "disabled_at", "created_at"]
    list_filter = ["is_active", ("community", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["url", "description", "community__name", "created_by__email"]
    list_select_related = ["community", "created_by"]
    readonly_fields = [
        "community",
        "created_by",
        "secret",
        "disabled_at",
        "disabled_reason",
        "failed_deliveries",
        "failing_since",
        "created_at",
    ]
    actions = ["send_test_event", "rotate_secret"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.community_id is not None:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "url": data["url"],
            "events": data["events"],
            "description": data.get("description", ""),
        }
        if change:
            saved = services.endpoint_update(
                endpoint=obj, by=request.user, is_active=data.get("is_active", True), **fields
            )
        else:
            saved = services.endpoint_create(community=None, by=request.user, **fields)
        obj.pk, obj.secret = saved.pk, saved.secret

    @admin.action(
        description=_("Send a test event to the selected endpoints"), permissions=["change"]
    )
    def send_test_event(self, request, queryset):
        count = 0
        for endpoint in queryset.filter(community__isnull=True):
            try:
                services.endpoint_ping(endpoint=endpoint, by=request.user)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{endpoint}: {error}", messages.ERROR)
            else:
                count += 1
        self.message_user(
            request, ngettext("%d test event sent.", "%d test events sent.", count) % count
        )

    @admin.action(
        description=_("Give the selected endpoints a new signing secret"), permissions=["change"]
    )
    def rotate_secret(self, request, queryset):
        count = 0
        for endpoint in queryset.filter(community__isnull=True):
            services.endpoint_rotate_secret(endpoint=endpoint, by=request.user)
            count += 1
        self.message_user(
            request, ngettext("%d secret replaced.", "%d secrets replaced.", count) % count
        )


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["__str__", "type", "community", "created_at"]
    list_filter = ["type", "created_at"]
    search_fields = ["type", "community__name"]
    list_select_related = ["community"]
    readonly_fields = ["type", "community", "payload", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "webhook_id",
        "event",
        "endpoint",
        "status",
        "attempts",
        "response_status",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event__type", "created_at"]
    search_fields = ["webhook_id", "endpoint__url"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.action(
        description=_("Send the selected site-wide deliveries again (same webhook-id)"),
        permissions=["change"],
    )
    def redeliver(self, request, queryset):
        count = 0
        for delivery in queryset.filter(endpoint__community__isnull=True).select_related(
            "endpoint"
        ):
            try:
                services.delivery_redeliver(delivery=delivery, by=request.user)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{delivery}: {error}", messages.ERROR)
            else:
                count += 1
        self.message_user(
            request, ngettext("%d delivery queued.", "%d deliveries queued.", count) % count
        )
