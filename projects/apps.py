from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Key projects")

    def ready(self) -> None:
        from portal.accounts import audit
        from portal.accounts.models import AuditEvent

        from .models import Project

        # A project's commissioners see its requests: who they are is audited.
        audit.track(
            Project, fields=["region", "enterprise"], m2m=["commissioners"], action=AuditEvent.Action.ACCESS_CHANGE
        )
