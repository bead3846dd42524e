"""The staff's view of communities. Changes that matter go through the services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from practices import moderation

from . import services
from .models import (
    CharterAcceptance,
    CharterVersion,
    Community,
    HelpTag,
    Invitation,
    InvitationOptOut,
    JoinQuestion,
    LearnTag,
    Membership,
    MembershipEvent,
    ModerationAction,
    Report,
    Rule,
    StageChange,
)


def _may_act(admin_: admin.ModelAdmin, request) -> bool:
    """Actions of read-only admins need the model's change permission all the same."""
    opts = admin_.model._meta
    return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")


class ReadOnlyAdminMixin:
    """History and published records: staff may look, never edit."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _run(modeladmin, request, queryset, service) -> int:
    """Call `service` for each selected row; report each refusal, return the successes."""
    count = 0
    for obj in queryset:
        try:
            service(obj)
        except ValidationError as error:
            modeladmin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
        else:
            count += 1
    return count


def _done(modeladmin, request, count: int, text: str) -> None:
    if count:
        modeladmin.message_user(request, text % {"n": count}, messages.SUCCESS)


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0
    fields = ["position", "title", "explanation"]


class JoinQuestionInline(admin.TabularInline):
    model = JoinQuestion
    extra = 0
    max_num = 5
    fields = ["position", "text"]


class ArchivedReadOnlyInlineMixin:
    def _editable(self, obj) -> bool:
        return obj is None or not obj.is_archived

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class CommunityRuleInline(ArchivedReadOnlyInlineMixin, RuleInline):
    pass


class CommunityQuestionInline(ArchivedReadOnlyInlineMixin, JoinQuestionInline):
    pass


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "stage",
        "visibility",
        "join_policy",
        "member_count",
        "last_activity_at",
        "created_at",
        "health_link",
    ]
    list_filter = ["kind", "visibility", "stage", "join_policy", "created_at"]
    search_fields = ["name", "slug", "challenge"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]
    readonly_fields = [
        "stage",
        "member_count",
        "current_charter_number",
        "required_charter_number",
        "closing_note",
        "created_by",
        "created_at",
        "launched_at",
        "archived_at",
        "last_activity_at",
    ]
    inlines = [CommunityRuleInline, CommunityQuestionInline]
    actions = ["archive", "restore"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "challenge", "purpose", "audience")}),
        (
            _("Look and language"),
            {"fields": ("meeting_rhythm", "language", "cover_color", "cover_image", "tags")},
        ),
        (_("Access"), {"fields": ("visibility", "join_policy", "allows_unnamed_posts")}),
        (
            _("Welcome and charter"),
            {
                "fields": (
                    "welcome_message",
                    "expectations",
                    "onboarding_profile",
                    "onboarding_intro",
                    "onboarding_pinned",
                    "onboarding_configured",
                )
            },
        ),
        (
            _("Stage and counters"),
            {
                "fields": (
                    "stage",
                    "closing_note",
                    "member_count",
                    "current_charter_number",
                    "required_charter_number",
                    "created_by",
                    "created_at",
                    "launched_at",
                    "archived_at",
                    "last_activity_at",
                )
            },
        ),
    )

    def has_add_permission(self, request) -> bool:
        # Communities start through the site, which makes their creator the facilitator.
        return False

    @admin.display(description=_("health"))
    def health_link(self, obj: Community) -> str:
        url = reverse("communities:manage_health", args=[obj.slug])
        return format_html('<a href="{}">{}</a>', url, _("Dashboard"))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_archived:
            # Archived communities are read-only; restore one first to change it.
            return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]
        return self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            return super().save_model(request, obj, form, change)
        # The form already put the new values on `obj`; the service validates and saves them.
        fields = {
            name: getattr(obj, name)
            for name in form.changed_data
            if name != "tags"  # saved with the form's many-to-many data
        }
        if fields:
            services.community_update(community=obj, **fields)

    @admin.action(description=_("Archive the selected communities"), permissions=["change"])
    def archive(self, request, queryset):
        count = _run(
            self,
            request,
            queryset.exclude(stage=Community.Stage.ARCHIVED),
            lambda c: services.community_archive(community=c, by=request.user),
        )
        _done(
            self,
            request,
            count,
            ngettext("%(n)d community archived.", "%(n)d communities archived.", count),
        )

    @admin.action(
        description=_("Restore the selected archived communities"), permissions=["change"]
    )
    def restore(self, request, queryset):
        count = _run(
            self,
            request,
            queryset.filter(stage=Community.Stage.ARCHIVED),
            lambda c: services.community_restore(community=c, by=request.user),
        )
        _done(
            self,
            request,
            count,
            ngettext("%(n)d community restored.", "%(n)d communities restored.", count),
        )


class MembershipEventInline(admin.TabularInline):
    model = MembershipEvent
    extra = 0
    fields = ["created_at", "action", "detail", "actor"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "community",
        "role",
        "status",
        "joined_at",
        "accepted_charter_number",
        "requested_at",
    ]
    list_filter = [("community", admin.RelatedOnlyFieldListFilter), "role", "status"]
    search_fields = ["user__email", "user__display_name", "community__name"]
    autocomplete_fields = ["user", "community"]
    list_select_related = ["user", "community"]
    readonly_fields = [
        "user",
        "community",
        "role",
        "status",
        "answers",
        "accepted_charter_number",
        "accepted_charter_at",
        "requested_at",
        "joined_at",
        "ended_at",
        "decision_message",
        "profile_completed_at",
        "introduced_at",
        "pinned_read_at",
        "onboarding_completed_at",
        "created_at",
    ]
    fields = ["intro", "can_help_with", "wants_to_learn", *readonly_fields]
    inlines = [MembershipEventInline]
    actions = ["approve", "decline"]

    def has_add_permission(self, request) -> bool:
        # People join through the site: accepting the rules is part of joining.
        return False

    @admin.action(description=_("Approve the selected requests"), permissions=["change"])
    def approve(self, request, queryset):
        count = _run(
            self,
            request,
            queryset.select_related("user", "community"),
            lambda m: services.membership_approve(membership=m, by=request.user),
        )
        _done(
            self,
            request,
            count,
            ngettext("%(n)d request approved.", "%(n)d requests approved.", count),
        )

    @admin.action(description=_("Decline the selected requests"), permissions=["change"])
    def decline(self, request, queryset):
        count = _run(
            self,
            request,
            queryset.select_related("user", "community"),
            lambda m: services.membership_decline(membership=m, by=request.user),
        )
        _done(
            self,
            request,
            count,
            ngettext("%(n)d request declined.", "%(n)d requests declined.", count),
        )


@admin.register(CharterVersion)
class CharterVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["community", "number", "is_material", "summary", "published_by", "published_at"]
    list_filter = ["is_material", "published_at"]
    search_fields = ["community__name", "summary"]
    list_select_related = ["community", "published_by"]
    date_hierarchy = "published_at"


class InvitationStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open")),
            ("accepted", _("Accepted")),
            ("revoked", _("Revoked")),
            ("expired", _("Expired")),
        ]

    def queryset(self, request, queryset):
        from django.utils import timezone

        now = timezone.now()
        match self.value():
            case "open":
                return queryset.open()
            case "accepted":
                return queryset.filter(accepted_at__isnull=False)
            case "revoked":
                return queryset.filter(accepted_at__isnull=True, revoked_at__isnull=False)
            case "expired":
                return queryset.filter(
                    accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now
                )
        return queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "community",
        "role",
        "state_display",
        "invited_by",
        "created_at",
        "expires_at",
    ]
    list_filter = [InvitationStateFilter, "role", "created_at"]
    search_fields = ["email", "community__name", "invited_by__email"]
    list_select_related = ["community", "invited_by"]
    readonly_fields = [
        "community",
        "email",
        "role",
        "message",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]
    exclude = ["token"]
    actions = ["resend", "revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_act_permission(self, request) -> bool:
        return _may_act(self, request)

    @admin.display(description=_("state"))
    def state_display(self, obj: Invitation) -> str:
        return {
            "open": _("Open"),
            "accepted": _("Accepted"),
            "revoked": _("Revoked"),
            "expired": _("Expired"),
        }[obj.state]

    @admin.action(description=_("Send the selected invitations again"), permissions=["act"])
    def resend(self, request, queryset):
        count = _run(
            self,
            request,
            queryset.select_related("community"),
            lambda i: services.invitation_resend(invitation=i, by=request.user),
        )
        _done(
            self,
            request,
            count,
            ngettext("%(n)d invitation sent again.", "%(n)d invitations sent again.", count),
        )

    @admin.action(description=_("Revoke the selected invitations"), permissions=["act"])
    def revoke(self, request, queryset):
        count = _run(
            self,
            request,
            queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True),
            lambda i: services.invitation_revoke(invitation=i),
        )
        _done(
            self,
            request,
            count,
            ngettext("%(n)d invitation revoked.", "%(n)d invitations revoked.", count),
        )


@admin.register(MembershipEvent)
class MembershipEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "membership", "action", "detail", "actor"]
    list_filter = ["action", "created_at"]
    search_fields = [
        "membership__user__email",
        "membership__user__display_name",
        "membership__community__name",
        "detail",
    ]
    list_select_related = ["membership__user", "membership__community", "actor"]
    date_hierarchy = "created_at"


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["changed_at", "community", "from_stage", "to_stage", "changed_by"]
    list_filter = ["to_stage", "from_stage", "changed_at"]
    search_fields = ["community__name", "note"]
    list_select_related = ["community", "changed_by"]
    date_hierarchy = "changed_at"


# --- Charter drafts, onboarding topics and acceptances --------------------------------


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The rules of charter drafts; they are edited on their community's page."""

    list_display = ["title", "community", "position"]
    list_filter = [("community", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "explanation", "community__name"]
    list_select_related = ["community"]
    autocomplete_fields = ["community"]
    ordering = ["community__name", "position", "pk"]


@admin.register(JoinQuestion)
class JoinQuestionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Questions for applicants; they are edited on their community's page."""

    list_display = ["text", "community", "position"]
    list_filter = [("community", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "community__name"]
    list_select_related = ["community"]
    autocomplete_fields = ["community"]
    ordering = ["community__name", "position", "pk"]


class _MemberTopicAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What members can help with or want to learn; members edit it on the site."""

    list_display = ["tag", "content_object"]
    list_filter = [("tag", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "tag__name",
        "content_object__user__email",
        "content_object__user__display_name",
        "content_object__community__name",
    ]
    list_select_related = ["tag", "content_object__user", "content_object__community"]


@admin.register(HelpTag)
class HelpTagAdmin(_MemberTopicAdmin):
    pass


@admin.register(LearnTag)
class LearnTagAdmin(_MemberTopicAdmin):
    pass


@admin.register(CharterAcceptance)
class CharterAcceptanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["accepted_at", "membership", "version"]
    list_filter = ["accepted_at"]
    search_fields = [
        "membership__user__email",
        "membership__user__display_name",
        "membership__community__name",
    ]
    list_select_related = [
        "membership__user",
        "membership__community",
        "version__community",
    ]
    autocomplete_fields = ["membership"]
    date_hierarchy = "accepted_at"


# --- Reports and the moderation log -----------------------------------------------------


def _target(obj) -> str:
    if obj.post_id:
        return obj.post.title
    if obj.comment_id:
        return str(obj.comment)
    return "—"


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports are made by members and decided in the review queue (or by the action
    here, which calls the same service); their fields are never edited by hand."""

    list_display = [
        "created_at",
        "community",
        "target",
        "rule_title",
        "reporter",
        "status",
        "resolved_at",
    ]
    list_filter = ["status", ("community", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = [
        "note",
        "rule_title",
        "reporter__email",
        "reporter__display_name",
        "post__title",
        "comment__body",
        "community__name",
    ]
    list_select_related = [
        "community",
        "reporter",
        "post",
        "comment__author",
        "comment__post",
        "resolved_by",
    ]
    autocomplete_fields = ["community", "reporter", "post", "comment", "resolved_by"]
    readonly_fields = [
        "community",
        "reporter",
        "post",
        "comment",
        "rule",
        "rule_title",
        "note",
        "status",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    date_hierarchy = "created_at"
    actions = ["dismiss"] if moderation is not None else []

    def has_act_permission(self, request) -> bool:
        return _may_act(self, request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("reported content"))
    def target(self, obj: Report) -> str:
        return _target(obj)

    @admin.action(description=_("Dismiss the reports on the selected content"), permissions=["act"])
    def dismiss(self, request, queryset):
        # One decision per reported item, however many of its reports are selected.
        items = {}
        for report in queryset.filter(status=Report.Status.OPEN).select_related("post", "comment"):
            key = ("post", report.post_id) if report.post_id else ("comment", report.comment_id)
            items.setdefault(key, report)
        count = 0
        for (kind, _pk), report in items.items():
            target = {"post": report.post} if kind == "post" else {"comment": report.comment}
            try:
                moderation.review_dismiss(
                    by=request.user, reason=str(_("Dismissed by site staff")), **target
                )
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, f"{report}: {error}", messages.ERROR)
            else:
                count += 1
        _done(
            self,
            request,
            count,
            ngettext(
                "Reports on %(n)d item dismissed.", "Reports on %(n)d items dismissed.", count
            ),
        )


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The moderation log is an audit trail: nobody edits or deletes it."""

    list_display = ["created_at", "community", "action", "actor", "member", "target", "rule_title"]
    list_filter = ["action", ("community", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = [
        "reason",
        "rule_title",
        "actor__email",
        "member__email",
        "member__display_name",
        "community__name",
        "post__title",
    ]
    list_select_related = [
        "community",
        "actor",
        "member",
        "post",
        "comment__author",
        "comment__post",
    ]
    date_hierarchy = "created_at"

    @admin.display(description=_("content"))
    def target(self, obj: ModerationAction) -> str:
        return _target(obj)


@admin.register(InvitationOptOut)
class InvitationOptOutAdmin(admin.ModelAdmin):
    """Addresses that stopped all invitations through the link in an invitation email.
    They are added only by their owners; deleting one lifts it (on the owner's request)."""

    list_display = ["email", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    readonly_fields = ["email", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
