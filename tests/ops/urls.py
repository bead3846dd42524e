"""The site's URLs plus one view that logs, for the logging tests."""

import logging

from django.http import HttpResponse
from django.urls import include, path


def logging_view(request):
    logging.getLogger("practica.test").warning("inside the view")
    return HttpResponse("ok")


urlpatterns = [
    path("logged/", logging_view, name="logged"),
    path("", include("config.urls")),
]
