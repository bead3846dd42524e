from django.urls import path

from . import feeds
from .views import actions, attachments, conversation, feed, lists, reading, search, writing

app_name = "practices"

urlpatterns = [
    # Posts within a community
    path("c/<slug:slug>/posts/", feed.feed, name="feed"),
    path("c/<slug:slug>/posts/mark-read/", feed.mark_read, name="mark_read"),
    path("c/<slug:slug>/posts/new/<str:kind>/", writing.post_create, name="create"),
    path("c/<slug:slug>/posts/<int:pk>/", reading.post_detail, name="detail"),
    path("c/<slug:slug>/posts/<int:pk>/edit/", writing.post_edit, name="edit"),
    path("c/<slug:slug>/posts/<int:pk>/delete/", writing.post_delete, name="delete"),
    path("c/<slug:slug>/posts/<int:pk>/reveal/", writing.post_reveal, name="reveal"),
    path("c/<slug:slug>/posts/<int:pk>/history/", reading.post_history, name="history"),
    path("c/<slug:slug>/posts/<int:pk>/hide/", actions.post_hide, name="hide"),
    path("c/<slug:slug>/posts/<int:pk>/pin/", actions.post_pin, name="pin"),
    path("c/<slug:slug>/posts/<int:pk>/react/", actions.post_react, name="react"),
    path("c/<slug:slug>/posts/<int:pk>/bookmark/", actions.post_bookmark, name="bookmark"),
    path("c/<slug:slug>/posts/<int:pk>/follow/", actions.post_follow, name="follow"),
    path(
        "c/<slug:slug>/posts/<int:pk>/comments/", conversation.comment_create, name="comment_create"
    ),
    path("comments/<int:pk>/edit/", conversation.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", conversation.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/helpful/", conversation.comment_helpful, name="comment_helpful"),
    path("comments/<int:pk>/hide/", conversation.comment_hide, name="comment_hide"),
    path("c/<slug:slug>/tags/<str:tag>/", feed.community_tag, name="community_tag"),
    path("c/<slug:slug>/feeds/<str:stream>.<str:fmt>", feeds.community_feed, name="community_feed"),
    path(
        "c/<slug:slug>/tags/<str:tag>/feed.<str:fmt>",
        feeds.community_tag_feed,
        name="community_tag_feed",
    ),
    path(
        "feeds/<str:token>/c/<slug:slug>/<str:stream>.<str:fmt>",
        feeds.member_feed,
        name="member_feed",
    ),
    path("preview/", writing.preview, name="preview"),
    path("attachments/<int:pk>/", attachments.attachment, name="attachment"),
    path(
        "attachments/<int:pk>/thumbnail/",
        attachments.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path("me/bookmarks/", lists.bookmarks, name="bookmarks"),
    path("me/drafts/", lists.drafts, name="drafts"),
    # Finding knowledge across communities
    path("search/", search.search, name="search"),
    path("similar/", search.similar, name="similar"),
    path("lessons/", search.lessons, name="lessons"),
    path("tags/<str:tag>/", search.tag, name="tag"),
    path("tags/<str:tag>/follow/", search.tag_follow, name="tag_follow"),
]
