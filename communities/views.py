"""Work in progress: being written now."""

from django.http import Http404


def directory(request, *args, **kwargs):
    raise Http404


def mine(request, *args, **kwargs):
    raise Http404


def create(request, *args, **kwargs):
    raise Http404


def invitation(request, *args, **kwargs):
    raise Http404


def detail(request, *args, **kwargs):
    raise Http404


def join(request, *args, **kwargs):
    raise Http404


def leave(request, *args, **kwargs):
    raise Http404


def charter(request, *args, **kwargs):
    raise Http404


def charter_accept(request, *args, **kwargs):
    raise Http404


def members(request, *args, **kwargs):
    raise Http404


def onboarding_profile(request, *args, **kwargs):
    raise Http404


def onboarding_intro(request, *args, **kwargs):
    raise Http404


def onboarding_pinned(request, *args, **kwargs):
    raise Http404
