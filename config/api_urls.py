"""The REST API, version 1: `/api/v1/`. The schema and its documentation page too."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from communities.api import views as communities
from communities.meetings.api import views as meetings
from members.api import notifications
from practices.api import views as practices

from .api_views import not_found

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("communities/", communities.community_list, name="community_list"),
    path("communities/<slug:slug>/", communities.community_detail, name="community_detail"),
    path("communities/<slug:slug>/posts/", practices.post_list, name="post_list"),
    path("communities/<slug:slug>/posts/<int:pk>/", practices.post_detail, name="post_detail"),
    path(
        "communities/<slug:slug>/posts/<int:pk>/comments/",
        practices.comment_list,
        name="comment_list",
    ),
    path(
        "communities/<slug:slug>/posts/<int:pk>/reveal/",
        practices.post_reveal,
        name="post_reveal",
    ),
    path(
        "communities/<slug:slug>/posts/<int:pk>/reactions/",
        practices.reaction_set,
        name="reaction_set",
    ),
    path("communities/<slug:slug>/meetings/", meetings.meeting_list, name="meeting_list"),
    path(
        "communities/<slug:slug>/meetings/<int:pk>/",
        meetings.meeting_detail,
        name="meeting_detail",
    ),
    path(
        "communities/<slug:slug>/meetings/<int:pk>/rsvp/",
        meetings.meeting_rsvp,
        name="meeting_rsvp",
    ),
    path("search/", practices.search, name="search"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read/", notifications.notifications_mark_read, name="notifications_read"),
    # Last: anything else under /api/v1/ is the API's JSON 404.
    re_path(r"^(?P<rest>[\s\S]*)$", not_found, name="not_found"),
]
