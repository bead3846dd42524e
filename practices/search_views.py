"""Work in progress: being written now."""

from django.http import Http404


def search(request, *args, **kwargs):
    raise Http404


def similar(request, *args, **kwargs):
    raise Http404


def lessons(request, *args, **kwargs):
    raise Http404


def tag(request, *args, **kwargs):
    raise Http404


def tag_follow(request, *args, **kwargs):
    raise Http404
