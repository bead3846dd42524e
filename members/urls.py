from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("settings/profile/", views.profile_edit, name="profile_edit"),
    path("members/<int:pk>/", views.profile, name="profile"),
]
