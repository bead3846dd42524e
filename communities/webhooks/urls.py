from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("c/<slug:slug>/manage/webhooks/", views.endpoints, name="list"),
    path("c/<slug:slug>/manage/webhooks/<int:pk>/", views.endpoint_detail, name="detail"),
    path("c/<slug:slug>/manage/webhooks/<int:pk>/test/", views.endpoint_test, name="test"),
    path(
        "c/<slug:slug>/manage/webhooks/<int:pk>/redeliver/",
        views.endpoint_redeliver,
        name="redeliver",
    ),
    path("c/<slug:slug>/manage/webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="rotate"),
    path("c/<slug:slug>/manage/webhooks/<int:pk>/delete/", views.endpoint_delete, name="delete"),
]
