"""Work in progress: being written now."""

from django.http import Http404


def details(request, *args, **kwargs):
    raise Http404


def launch(request, *args, **kwargs):
    raise Http404


def charter(request, *args, **kwargs):
    raise Http404


def rule_edit(request, *args, **kwargs):
    raise Http404


def rule_move(request, *args, **kwargs):
    raise Http404


def rule_delete(request, *args, **kwargs):
    raise Http404


def charter_publish(request, *args, **kwargs):
    raise Http404


def questions(request, *args, **kwargs):
    raise Http404


def onboarding(request, *args, **kwargs):
    raise Http404


def requests(request, *args, **kwargs):
    raise Http404


def request_decide(request, *args, **kwargs):
    raise Http404


def invitations(request, *args, **kwargs):
    raise Http404


def invitation_revoke(request, *args, **kwargs):
    raise Http404


def invitation_resend(request, *args, **kwargs):
    raise Http404


def members(request, *args, **kwargs):
    raise Http404


def member_action(request, *args, **kwargs):
    raise Http404


def archive(request, *args, **kwargs):
    raise Http404
