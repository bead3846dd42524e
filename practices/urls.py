from django.urls import path

from . import search_views, views

app_name = "practices"

urlpatterns = [
    # Posts within a community
    path("c/<slug:slug>/posts/", views.feed, name="feed"),
    path("c/<slug:slug>/posts/new/<str:kind>/", views.post_create, name="create"),
    path("c/<slug:slug>/posts/<int:pk>/", views.post_detail, name="detail"),
    path("c/<slug:slug>/posts/<int:pk>/edit/", views.post_edit, name="edit"),
    path("c/<slug:slug>/posts/<int:pk>/delete/", views.post_delete, name="delete"),
    path("c/<slug:slug>/posts/<int:pk>/history/", views.post_history, name="history"),
    path("c/<slug:slug>/posts/<int:pk>/hide/", views.post_hide, name="hide"),
    path("c/<slug:slug>/posts/<int:pk>/pin/", views.post_pin, name="pin"),
    path("c/<slug:slug>/posts/<int:pk>/react/", views.post_react, name="react"),
    path("c/<slug:slug>/posts/<int:pk>/bookmark/", views.post_bookmark, name="bookmark"),
    path("c/<slug:slug>/posts/<int:pk>/follow/", views.post_follow, name="follow"),
    path("c/<slug:slug>/posts/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/helpful/", views.comment_helpful, name="comment_helpful"),
    path("comments/<int:pk>/hide/", views.comment_hide, name="comment_hide"),
    path("c/<slug:slug>/tags/<str:tag>/", views.community_tag, name="community_tag"),
    path("preview/", views.preview, name="preview"),
    path("me/bookmarks/", views.bookmarks, name="bookmarks"),
    path("me/drafts/", views.drafts, name="drafts"),
    # Finding knowledge across communities
    path("search/", search_views.search, name="search"),
    path("similar/", search_views.similar, name="similar"),
    path("lessons/", search_views.lessons, name="lessons"),
    path("tags/<str:tag>/", search_views.tag, name="tag"),
    path("tags/<str:tag>/follow/", search_views.tag_follow, name="tag_follow"),
]
