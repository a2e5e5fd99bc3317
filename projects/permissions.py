"""Who may do what on a key project: the one place that decides.

Every project page, form and service asks ``allowed(user, action, project)``; the page lists the
actions it offers with ``actions_for(user, project)``. Seeing a project at all is
``selectors.project_visible_to`` (anyone else gets 404); the rules here decide the actions on a
project the user can see.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from portal.orgs.models import EnterpriseMembership, Pairing
from portal.orgs.selectors import region_scope_for

from .models import Project, ProjectPairing, Stage


class Action(enum.StrEnum):
    VIEW = "view"
    EDIT = "edit"
    CHANGE_STAGE = "change_stage"
    FILE_REPORT = "file_report"
    RECORD_VISIT = "record_visit"
    UPLOAD_PHOTO = "upload_photo"
    PRINT_CARD = "print_card"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok

    @classmethod
    def yes(cls) -> "Verdict":
        return cls(True)

    @classmethod
    def no(cls, reason: str) -> "Verdict":
        return cls(False, reason)


# relationships -------------------------------------------------------------------------------


def is_project_commissioner(user, project: Project) -> bool:
    """A角 or B角 of the project today."""
    return (
        user.is_authenticated
        and user.is_commissioner
        and ProjectPairing.objects.active().filter(project=project, commissioner=user).exists()
    )


def is_owner_member(user, project: Project) -> bool:
    return (
        user.is_authenticated
        and user.is_enterprise_user
        and project.enterprise_id is not None
        and EnterpriseMembership.objects.filter(user=user, enterprise_id=project.enterprise_id).exists()
    )


def is_owner_commissioner(user, project: Project) -> bool:
    """A commissioner paired with the owner enterprise (not the project itself)."""
    return (
        user.is_authenticated
        and user.is_commissioner
        and project.enterprise_id is not None
        and Pairing.objects.active().filter(commissioner=user, enterprise_id=project.enterprise_id).exists()
    )


def supervises(user, project: Project) -> bool:
    return user.is_authenticated and region_scope_for(user).filter(pk=project.region_id).exists()


def _admin(user, project: Project) -> bool:
    return user.is_authenticated and user.is_administrator


def _any(*tests: Callable) -> Callable:
    return lambda user, project: any(test(user, project) for test in tests)


@dataclass(frozen=True)
class Rule:
    who: Callable
    refusal: str
    open_only: bool = False  # refused once the project is completed (竣工)


RULES: dict[Action, Rule] = {
    Action.VIEW: Rule(
        _any(_admin, is_project_commissioner, is_owner_member, is_owner_commissioner, supervises),
        _("You may not see this key project."),
    ),
    Action.EDIT: Rule(_admin, _("Only administrators can edit a key project's details.")),
    Action.CHANGE_STAGE: Rule(
        _any(_admin, is_project_commissioner), _("Only the project's commissioners can change its stage.")
    ),
    Action.FILE_REPORT: Rule(
        _any(is_project_commissioner, is_owner_member),
        _("Only the project's commissioners or the owner enterprise can file progress reports."),
        open_only=True,
    ),
    Action.RECORD_VISIT: Rule(
        _any(is_project_commissioner, is_owner_commissioner), _("Only the project's commissioners record visits.")
    ),
    Action.UPLOAD_PHOTO: Rule(
        _any(is_project_commissioner, is_owner_member),
        _("Only the project's commissioners or the owner enterprise can upload photos."),
    ),
    Action.PRINT_CARD: Rule(
        _any(_admin, is_project_commissioner, is_owner_member, is_owner_commissioner, supervises),
        _("You may not see this key project."),
    ),
}


def allowed(user, action: Action, project: Project) -> Verdict:
    rule = RULES[action]
    if rule.open_only and project.stage == Stage.COMPLETED:
        return Verdict.no(_("This project is completed; nothing more is reported for it."))
    if not rule.who(user, project):
        return Verdict.no(rule.refusal)
    return Verdict.yes()


def check(user, action: Action, project: Project) -> None:
    verdict = allowed(user, action, project)
    if not verdict:
        raise PermissionDenied(verdict.reason)


def actions_for(user, project: Project) -> set[Action]:
    """The actions the project page offers this user."""
    return {action for action in Action if allowed(user, action, project)}
