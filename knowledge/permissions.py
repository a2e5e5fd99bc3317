"""Who may do what in the knowledge base: the one place that decides.

Everyone with a role browses published entries. Supervisors publish and retire entries of regions in
their scope (an entry for the whole city needs a city supervisor); department handlers those their
department issues. The dashboard is for supervisors.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from portal.orgs.models import Region
from portal.orgs.selectors import department_ids_for_handler, region_scope_for

from .models import Entry, EntryStatus


class Action(StrEnum):
    BROWSE = "browse"
    CREATE = "create"
    PUBLISH = "publish"
    RETIRE = "retire"
    DASHBOARD = "dashboard"
    DEFLECT = "deflect"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""

    @classmethod
    def yes(cls) -> "Verdict":
        return cls(True)

    @classmethod
    def no(cls, reason: str) -> "Verdict":
        return cls(False, reason)


def has_role(user) -> bool:
    return user.is_authenticated and (
        user.is_enterprise_user or user.is_commissioner or user.is_handler or user.is_supervisor or user.is_staff
    )


def may_author(user) -> bool:
    """Supervisors and department handlers write entries."""
    return user.is_authenticated and (user.is_supervisor or user.is_handler)


def manages(user, entry: Entry) -> bool:
    """A supervisor of the entry's region (the whole city for an entry without one), or a handler of its
    issuing department."""
    if not user.is_authenticated:
        return False
    if user.is_supervisor:
        scope = region_scope_for(user)
        if entry.region_id is None:
            if scope.filter(level=Region.Level.CITY).exists():
                return True
        elif scope.filter(pk=entry.region_id).exists():
            return True
    if user.is_handler and entry.department_id is not None:
        return department_ids_for_handler(user).filter(department_id=entry.department_id).exists()
    return False


def allowed(user, action: Action, entry: Entry | None = None) -> Verdict:
    if action == Action.BROWSE:
        return Verdict.yes() if has_role(user) else Verdict.no(_("Sign in with a role to read the knowledge base."))
    if action == Action.DEFLECT:
        return Verdict.yes() if user.is_enterprise_user else Verdict.no(_("Only enterprise users file requests."))
    if action == Action.DASHBOARD:
        return Verdict.yes() if user.is_supervisor else Verdict.no(_("Only supervisors see this dashboard."))
    if action == Action.CREATE:
        return (
            Verdict.yes()
            if may_author(user)
            else Verdict.no(_("Only supervisors and departments publish knowledge entries."))
        )
    if not manages(user, entry):
        return Verdict.no(_("Only the supervisors of its region or its issuing department can change this entry."))
    if action == Action.PUBLISH and entry.status == EntryStatus.PUBLISHED:
        return Verdict.no(_("This entry is already published."))
    if action == Action.RETIRE and entry.status == EntryStatus.RETIRED:
        return Verdict.no(_("This entry is already retired."))
    return Verdict.yes()


def check(user, action: Action, entry: Entry | None = None) -> None:
    verdict = allowed(user, action, entry)
    if not verdict.ok:
        raise PermissionDenied(verdict.reason)


def actions_for(user, entry: Entry) -> list[Action]:
    return [a for a in (Action.PUBLISH, Action.RETIRE) if allowed(user, a, entry).ok]
