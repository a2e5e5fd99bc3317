"""The key-project sweep: late half-monthly reports and missed site visits, each reminded exactly once.

kind               due when                                        who
report_late        period end + the region's grace days passed     the project's A角 and B角
report_escalated   still no report ESCALATE_AFTER_DAYS later        the supervisors of the region
visit_missed       a visit window (``visit_every_days`` days from   the project's A角 and B角
                   the first Monday on or after ``reports_from``)
                   ended unvisited

Each reminder is a ``ProjectReminder`` row unique per project, kind and period (``due_on`` is the first
day of the half-month or of the visit window), made with ``get_or_create`` in the transaction that writes
the notifications, so a re-run sends nothing twice. The sweep looks back ``LOOKBACK_DAYS`` and picks
"due and no row yet", so after an outage it sends whatever fell due meanwhile.
"""

import datetime
import logging
from dataclasses import asdict, dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.notifications.services import notify
from portal.orgs.models import SupervisorScope

from .models import (
    ProgressReport,
    Project,
    ProjectPairing,
    ProjectReminder,
    ProjectReminderKind,
    Stage,
    next_period,
    period_of,
)
from .selectors import DEFAULT_RULES, rules_by_region

logger = logging.getLogger(__name__)

ESCALATE_AFTER_DAYS = 3
LOOKBACK_DAYS = 62
BATCH_SIZE = 500
Kind = ProjectReminderKind


@dataclass
class Counts:
    report_late: int = 0
    report_escalated: int = 0
    visit_missed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _periods(first: datetime.date, last: datetime.date):
    """The half-months from the one containing ``first`` through the one containing ``last``."""
    start, end = period_of(first)
    while start <= last:
        yield start, end
        start, end = next_period(start)


def visit_windows(project: Project, today: datetime.date, since: datetime.date):
    """The visit windows that ended before ``today`` and overlap ``since`` or later: (first day, last day)."""
    anchor = project.reports_from + datetime.timedelta(days=(7 - project.reports_from.weekday()) % 7)
    every = datetime.timedelta(days=project.visit_every_days)
    skipped = max(0, (since - anchor).days // project.visit_every_days)
    start = anchor + every * skipped
    while start + every <= today:
        if start + every > since:
            yield start, start + every - datetime.timedelta(days=1)
        start += every


def report_due(project: Project, today: datetime.date, grace: int, since: datetime.date):
    """(period start, first day late, first day to escalate) of every period since ``since`` whose
    report is due by ``today``."""
    for start, end in _periods(max(since, project.reports_from), today):
        late_on = end + datetime.timedelta(days=grace + 1)
        if late_on <= today:
            yield start, late_on, late_on + datetime.timedelta(days=ESCALATE_AFTER_DAYS)


def _commissioners(project_ids, today) -> dict[int, list]:
    found: dict[int, list] = {}
    pairings = ProjectPairing.objects.active(today).filter(project_id__in=project_ids).select_related("commissioner")
    for pairing in pairings.order_by("role"):
        found.setdefault(pairing.project_id, []).append(pairing.commissioner)
    return found


def _supervisors(region_path: str, cache: dict) -> list:
    if region_path not in cache:
        prefixes = [region_path[: i + 1] for i, c in enumerate(region_path) if c == "/"]
        scopes = SupervisorScope.objects.filter(region__path__in=prefixes, user__is_active=True).select_related("user")
        cache[region_path] = [scope.user for scope in scopes]
    return cache[region_path]


def _remind(project: Project, kind: str, due_on: datetime.date, users: list, title: str, now) -> bool:
    """Write the row and the notifications together; False when the row already existed."""
    with transaction.atomic():
        _row, created = ProjectReminder.objects.get_or_create(project=project, kind=kind, due_on=due_on)
        if created:
            notify(
                users=users,
                kind=f"project_{kind}",
                title=title,
                url=reverse("projects:detail", args=[project.pk]),
            )
    return created


def sweep(*, now: datetime.datetime | None = None) -> Counts:
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = today - datetime.timedelta(days=LOOKBACK_DAYS)
    rules = rules_by_region()
    counts = Counts()
    supervisors: dict = {}
    projects = Project.objects.exclude(stage=Stage.COMPLETED).select_related("region").order_by("pk")
    last = 0
    while True:
        batch = list(projects.filter(pk__gt=last)[:BATCH_SIZE])
        if not batch:
            break
        last = batch[-1].pk
        ids = [p.pk for p in batch]
        reported = set(
            ProgressReport.objects.filter(project_id__in=ids, period_start__gte=period_of(since)[0]).values_list(
                "project_id", "period_start"
            )
        )
        sent = set(
            ProjectReminder.objects.filter(
                project_id__in=ids, due_on__gte=since - datetime.timedelta(days=31)
            ).values_list("project_id", "kind", "due_on")
        )
        visited = set(
            Project.objects.filter(pk__in=ids, visits__visited_on__gte=since - datetime.timedelta(days=31)).values_list(
                "pk", "visits__visited_on"
            )
        )
        people = _commissioners(ids, today)
        for project in batch:
            grace = rules.get(project.region_id, DEFAULT_RULES).report_grace_days
            values = {"project": project.name}
            commissioners = people.get(project.pk, [])
            for start, _late_on, escalate_on in report_due(project, today, grace, since):
                if (project.pk, start) in reported:
                    continue
                values["period"] = f"{start:%Y-%m-%d} – {period_of(start)[1]:%Y-%m-%d}"
                if (project.pk, Kind.REPORT_LATE, start) not in sent:
                    title = _("The progress report of %(project)s for %(period)s is late.") % values
                    counts.report_late += _remind(project, Kind.REPORT_LATE, start, commissioners, title, now)
                if escalate_on <= today and (project.pk, Kind.REPORT_ESCALATED, start) not in sent:
                    title = _("Still no progress report of %(project)s for %(period)s.") % values
                    users = _supervisors(project.region.path, supervisors)
                    counts.report_escalated += _remind(project, Kind.REPORT_ESCALATED, start, users, title, now)
            days = {day for pk, day in visited if pk == project.pk}
            for start, end in visit_windows(project, today, max(since, project.reports_from)):
                if (project.pk, Kind.VISIT_MISSED, start) in sent or any(start <= d <= end for d in days):
                    continue
                values["period"] = f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
                title = _("No site visit to %(project)s was recorded for %(period)s.") % values
                counts.visit_missed += _remind(project, Kind.VISIT_MISSED, start, commissioners, title, now)
    logger.info("project sweep as of %s: %s", now.isoformat(), counts.as_dict())
    return counts
