from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Hotline API")

    def ready(self) -> None:
        from issues.hooks import event_listener_add
        from portal.accounts import audit
        from portal.accounts.models import AuditEvent

        from .models import Client
        from .outbox import outbox_write

        event_listener_add(outbox_write)
        # a client's scope is an access right: who may read and file which region's requests
        audit.track(
            Client,
            fields=["name", "actions", "personal_data", "allowed_addresses", "rate_limit", "webhook_url", "is_active"],
            m2m=["regions"],
            action=AuditEvent.Action.ACCESS_CHANGE,
        )
