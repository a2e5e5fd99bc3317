from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "portal.orgs"
    label = "orgs"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from portal.accounts import audit
        from portal.accounts.models import AuditEvent

        from . import listing
        from .importing import pairing_snapshot
        from .models import Department, DepartmentMembership, EnterpriseMembership, Pairing, Region, SupervisorScope

        # the departments' listing kept by each process is read again after any change to them
        for model in (Region, Department):
            listing.watch(model)

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
