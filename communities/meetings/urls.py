from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("c/<slug:slug>/meetings/", views.community_list, name="community_list"),
    path("c/<slug:slug>/meetings/new/", views.schedule, name="schedule"),
    path("c/<slug:slug>/meetings/<int:pk>/", views.detail, name="detail"),
    path("c/<slug:slug>/meetings/<int:pk>/edit/", views.edit, name="edit"),
    path("c/<slug:slug>/meetings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("c/<slug:slug>/meetings/<int:pk>/rsvp/", views.rsvp, name="rsvp"),
    path("c/<slug:slug>/meetings/<int:pk>/notes/", views.notes, name="notes"),
    path("c/<slug:slug>/meetings/<int:pk>/meeting.ics", views.meeting_ics, name="ics"),
    path("c/<slug:slug>/meetings/<int:pk>/series.ics", views.series_ics, name="series_ics"),
    path("meetings/", views.mine, name="mine"),
    path("meetings/insights/<int:pk>/", views.insight, name="insight"),
    path("meetings/calendar/", views.calendar_settings, name="settings"),
    path("calendar/<str:token>/mine.ics", views.feed_mine, name="feed_mine"),
    path("calendar/<str:token>/c/<slug:slug>.ics", views.feed_community, name="feed_community"),
]
