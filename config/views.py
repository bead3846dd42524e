from django.shortcuts import render

from communities.models import Membership

HOME_COMMUNITIES = 6


def home(request):
    context = {}
    if request.user.is_authenticated:
        context["my_memberships"] = list(
            Membership.objects.of_member(request.user)[:HOME_COMMUNITIES]
        )
    return render(request, "home.html", context)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)
