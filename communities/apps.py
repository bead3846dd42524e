from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = _("Communities")

    def ready(self) -> None:
        # Registers the Celery tasks by name: services publish them through
        # config.tasks.task_publish without importing this module.
        from allauth.account.signals import email_confirmed

        from . import tasks  # noqa: F401

        email_confirmed.connect(_address_confirmed, dispatch_uid="invitations-opt-in")


def _address_confirmed(sender, request, email_address, **kwargs) -> None:
    """Whoever proves they own an address that stopped invitations takes them again."""
    from .services import invitation_opt_in

    invitation_opt_in(email=email_address.email)
