from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlaybookConfig(AppConfig):
    name = "practices.playbook"
    label = "playbook"
    verbose_name = _("Playbook")
    default_auto_field = "django.db.models.BigAutoField"
