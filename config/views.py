from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from communities.models import Membership
from practices.querysets import memberships_with_new_posts

HOME_COMMUNITIES = 6


def home(request: HttpRequest) -> HttpResponse:
    context = {}
    if request.user.is_authenticated:
        # Each card says how many posts are new to the member: one query for all.
        memberships = Membership.objects.of_member(request.user)
        context["my_memberships"] = list(
            memberships_with_new_posts(memberships, request.user)[:HOME_COMMUNITIES]
        )
    return render(request, "home.html", context)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)
