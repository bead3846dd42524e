"""The product's URLs plus the reference view, which lives only in the bench."""

from django.urls import include, path

from config.urls import handler403, handler404, handler500  # noqa: F401

from .reference import reference

urlpatterns = [
    path("bench/reference/", reference, name="bench_reference"),
    path("", include("config.urls")),
]
