from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for development: the only package that may import every app.

    Nothing in the product imports it.
    """

    name = "demo"
    label = "demo"
    verbose_name = _("Demo data")
