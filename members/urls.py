from django.urls import path

from . import digest_views, notification_views, views

app_name = "members"
urlpatterns = [
    path("settings/profile/", views.profile_edit, name="profile_edit"),
    path("members/<int:pk>/", views.profile, name="profile"),
    path("notifications/", notification_views.inbox, name="notifications"),
    path("notifications/read/", notification_views.mark_read, name="notifications_read"),
    path("notifications/<int:pk>/open/", notification_views.open_one, name="notification_open"),
    path("settings/notifications/", notification_views.preferences, name="notification_settings"),
    path("me/digest/", digest_views.digest_preview, name="digest_preview"),
    path("me/digest/email/", digest_views.digest_preview_email, name="digest_preview_email"),
    path(
        "digest/unsubscribe/<str:token>/",
        digest_views.digest_unsubscribe,
        name="digest_unsubscribe",
    ),
]
