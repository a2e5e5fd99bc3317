from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Key projects")

    def ready(self) -> None:
        from portal.accounts import audit
        from portal.accounts.models import AuditEvent

        from .models import Leader, Project, ProjectPairing, ProjectPolicy

        # A project's commissioners see its requests: who they are, and for which period, is audited.
        audit.track(Project, fields=["region", "enterprise", "leader"], action=AuditEvent.Action.ACCESS_CHANGE)
        audit.track(
            ProjectPairing,
            fields=["project", "commissioner", "role", "starts_on", "ends_on"],
            action=AuditEvent.Action.PAIRING_CHANGE,
        )
        audit.track(Leader, fields=["name", "title", "region", "user"], action=AuditEvent.Action.ACCESS_CHANGE)
        audit.track(
            ProjectPolicy,
            fields=["region", "report_grace_days", "stalled_after_days"],
            action=AuditEvent.Action.RULE_CHANGE,
        )
