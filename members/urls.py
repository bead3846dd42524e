from django.urls import path

from .views import api_tokens, digests, notifications, profile

app_name = "members"
urlpatterns = [
    path("settings/profile/", profile.profile_edit, name="profile_edit"),
    path("members/<int:pk>/", profile.profile, name="profile"),
    path("members/<int:pk>/avatar/", profile.avatar, name="avatar"),
    path("notifications/", notifications.inbox, name="notifications"),
    path("notifications/read/", notifications.mark_read, name="notifications_read"),
    path("notifications/<int:pk>/open/", notifications.open_one, name="notification_open"),
    path("settings/notifications/", notifications.preferences, name="notification_settings"),
    path("settings/api-tokens/", api_tokens.token_list, name="api_tokens"),
    path(
        "settings/api-tokens/<int:pk>/revoke/",
        api_tokens.token_revoke,
        name="api_token_revoke",
    ),
    path("me/digest/", digests.digest_preview, name="digest_preview"),
    path("me/digest/email/", digests.digest_preview_email, name="digest_preview_email"),
    path(
        "digest/unsubscribe/<str:token>/",
        digests.digest_unsubscribe,
        name="digest_unsubscribe",
    ),
]
