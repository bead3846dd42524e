from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health checks, metrics, structured logs, backup and restore commands."""

    name = "config"
    label = "ops"
    verbose_name = "Operations"
