from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health checks, metrics, structured logs, backup and restore commands."""

    name = "config"
    label = "ops"
    verbose_name = "Operations"

    def ready(self):
        # Request ids into tasks, one log line and metrics per task: in the web processes
        # (publishing) and in the workers (running). Connected here rather than in
        # config/celery.py, which sits below the apps' models in the layers.
        from . import celery_signals  # noqa: F401
