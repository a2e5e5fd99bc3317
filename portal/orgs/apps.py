from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "portal.orgs"
    label = "orgs"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from portal.accounts import audit
        from portal.accounts.models import AuditEvent

        from .importing import pairing_snapshot
        from .models import DepartmentMembership, EnterpriseMembership, Pairing, SupervisorScope

        # Who acts for which enterprise, works in which unit and supervises which area.
        access = AuditEvent.Action.ACCESS_CHANGE
        audit.track(SupervisorScope, fields=["user", "region"], action=access)
        audit.track(DepartmentMembership, fields=["user", "department", "kind"], action=access)
        audit.track(EnterpriseMembership, fields=["user", "enterprise", "title"], action=access)
        audit.track(
            Pairing,
            fields=["enterprise", "commissioner", "role", "starts_on", "ends_on"],
            action=AuditEvent.Action.PAIRING_CHANGE,
            snapshot=pairing_snapshot,
        )
