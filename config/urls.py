from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import ops_views, views

admin.site.site_header = _("Practica administration")
admin.site.site_title = _("Practica admin")
admin.site.index_title = _("Run the site")
# Staff sign in through allauth, so two-factor authentication applies to the admin too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("api/v1/", include("config.api_urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("communities.urls")),
    path("", include("communities.meetings.urls")),
    path("", include("communities.webhooks.urls")),
    path("", include("practices.urls")),
    path("", include("practices.playbook.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("metrics", ops_views.metrics_view, name="metrics"),
]

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
handler403 = "config.views.permission_denied"
