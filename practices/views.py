"""Work in progress: being written now."""

from django.http import Http404


def feed(request, *args, **kwargs):
    raise Http404


def post_create(request, *args, **kwargs):
    raise Http404


def post_detail(request, *args, **kwargs):
    raise Http404


def post_edit(request, *args, **kwargs):
    raise Http404


def post_delete(request, *args, **kwargs):
    raise Http404


def post_history(request, *args, **kwargs):
    raise Http404


def post_hide(request, *args, **kwargs):
    raise Http404


def post_pin(request, *args, **kwargs):
    raise Http404


def post_react(request, *args, **kwargs):
    raise Http404


def post_bookmark(request, *args, **kwargs):
    raise Http404


def post_follow(request, *args, **kwargs):
    raise Http404


def comment_create(request, *args, **kwargs):
    raise Http404


def comment_edit(request, *args, **kwargs):
    raise Http404


def comment_delete(request, *args, **kwargs):
    raise Http404


def comment_helpful(request, *args, **kwargs):
    raise Http404


def comment_hide(request, *args, **kwargs):
    raise Http404


def community_tag(request, *args, **kwargs):
    raise Http404


def preview(request, *args, **kwargs):
    raise Http404


def bookmarks(request, *args, **kwargs):
    raise Http404


def drafts(request, *args, **kwargs):
    raise Http404
