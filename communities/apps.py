from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = _("Communities")

    def ready(self) -> None:
        # Registers the Celery tasks by name: services publish them through
        # config.tasks.task_publish without importing this module.
        from . import tasks  # noqa: F401
