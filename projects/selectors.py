"""Read queries for key projects: who may see which project, and the policy that applies to a region."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.orgs.models import Region
from portal.orgs.selectors import enterprise_ids_for_commissioner, enterprise_ids_for_member, region_scope_for

from .models import Project, ProjectPairing, ProjectPolicy, Stage, latest_due_period


def project_ids_for_commissioner(user, on: datetime.date | None = None) -> QuerySet:
    """The projects the commissioner serves as A角 or B角 today (active pairing periods only)."""
    return ProjectPairing.objects.active(on).filter(commissioner=user).values("project_id")


def _visibility(user) -> Q:
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_administrator:
        return Q()
    condition = Q(pk__in=[])
    if user.is_enterprise_user:
        condition |= Q(enterprise_id__in=enterprise_ids_for_member(user))
    if user.is_commissioner:
        condition |= Q(pk__in=project_ids_for_commissioner(user)) | Q(
            enterprise_id__in=enterprise_ids_for_commissioner(user)
        )
    if user.is_supervisor:
        condition |= Q(region_id__in=region_scope_for(user).values("pk"))
    return condition


def project_visible_to(user) -> QuerySet[Project]:
    """Every project page, list, card, photo and export starts here: enterprise users see their own
    projects, commissioners the ones paired with them (or with the owner enterprise), supervisors their
    region subtree, administrators all."""
    return Project.objects.filter(_visibility(user))


def project_for(user, pk: int) -> Project:
    """The project if the user may see it, else 404 (nobody learns that it exists)."""
    project = project_visible_to(user).select_related("region", "enterprise", "leader").filter(pk=pk).first()
    if project is None:
        raise Http404
    return project


def my_projects_for(user) -> QuerySet[Project]:
    """ "My projects": a commissioner's paired projects, an enterprise member's own projects."""
    condition = Q(pk__in=[])
    if user.is_commissioner:
        condition |= Q(pk__in=project_ids_for_commissioner(user))
    if user.is_enterprise_user:
        condition |= Q(enterprise_id__in=enterprise_ids_for_member(user))
    return Project.objects.filter(condition)


@dataclass(frozen=True)
class Rules:
    report_grace_days: int = 3
    stalled_after_days: int = 60


DEFAULT_RULES = Rules()


def rules_for(region: Region) -> Rules:
    """The region's project policy, else the nearest ancestor's, else the defaults."""
    return rules_by_region().get(region.pk, DEFAULT_RULES)


def rules_by_region() -> dict[int, Rules]:
    """The rules in force for every region, each from its own policy or its nearest ancestor's (one query
    for regions, one for policies)."""
    regions = list(Region.objects.only("pk", "path"))
    own = {
        p.region_id: Rules(report_grace_days=p.report_grace_days, stalled_after_days=p.stalled_after_days)
        for p in ProjectPolicy.objects.all()
    }
    by_path = {r.path: own[r.pk] for r in regions if r.pk in own}
    result = {}
    for region in regions:
        matches = [path for path in by_path if region.path.startswith(path)]
        result[region.pk] = by_path[max(matches, key=len)] if matches else DEFAULT_RULES
    return result


def is_stalled(project: Project, rules: Rules, today: datetime.date) -> bool:
    """The row-by-row twin of ``ProjectQuerySet.stalled`` (same definition)."""
    if project.stage == Stage.COMPLETED:
        return False
    return project.last_progress_on < today - datetime.timedelta(days=rules.stalled_after_days)


def is_report_late(project: Project, rules: Rules, today: datetime.date) -> bool:
    """The row-by-row twin of ``ProjectQuerySet.report_late`` (same definition)."""
    if project.stage == Stage.COMPLETED:
        return False
    due_start = latest_due_period(today, rules.report_grace_days)[0]
    return project.reports_from <= due_start and (
        project.reported_through is None or project.reported_through < due_start
    )


def decorate(projects, today: datetime.date | None = None, rules: dict | None = None) -> list[Project]:
    """Mark each project stalled / report late under its region's rules (two queries for all rows)."""
    today = today or timezone.localdate()
    projects = list(projects)
    if projects:
        rules = rules if rules is not None else rules_by_region()
        for project in projects:
            rule = rules.get(project.region_id, DEFAULT_RULES)
            project.stalled = is_stalled(project, rule, today)
            project.report_late = is_report_late(project, rule, today)
    return projects
