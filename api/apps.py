from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Hotline API")

    def ready(self) -> None:
        from issues.event_hooks import event_listener_add

        from .outbox import outbox_write

        event_listener_add(outbox_write)
