from django.urls import include, path


def failing_view(request):
    return 1 / 0


urlpatterns = [
    path("boom/", failing_view),
    path("", include("config.urls")),
]
