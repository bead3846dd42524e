from django.urls import path

from . import digest_views, views

app_name = "members"
urlpatterns = [
    path("settings/profile/", views.profile_edit, name="profile_edit"),
    path("members/<int:pk>/", views.profile, name="profile"),
    path("me/digest/", digest_views.digest_preview, name="digest_preview"),
    path("me/digest/email/", digest_views.digest_preview_email, name="digest_preview_email"),
    path(
        "digest/unsubscribe/<str:token>/",
        digest_views.digest_unsubscribe,
        name="digest_unsubscribe",
    ),
]
