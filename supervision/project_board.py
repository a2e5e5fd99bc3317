"""The key-project dashboard of supervisors: figures, tables and the lists behind them.

Every count on the dashboard is a ``Q`` on projects defined once in ``FIGURES`` and used twice: in the
one aggregate query of the dashboard (``Count("pk", filter=q)``) and as the filter of the drill-down
list, so a figure always equals the length of its list. The investment tables sum the same projects
the list of their row shows. Everything starts from ``projects.selectors.project_visible_to`` narrowed
to the supervisor's regions.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django import forms
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from issues.models import OPEN_STATUSES, Request, Visit
from portal.orgs.models import Industry, Region
from projects.models import STARTED_OR_LATER, ProgressReport, Project, latest_due_period, period_of
from projects.reminders import report_due, visit_windows
from projects.selectors import DEFAULT_RULES, Rules, project_visible_to, rules_by_region

from .forms import PlainSelect
from .selectors import Scope

Stage = Project.Stage


def _open_requests() -> Q:
    """At least one linked request is open: the open requests' projects read once (PostgreSQL hashes the
    subquery) instead of a probe into every project's requests."""
    return Q(pk__in=Request.objects.filter(status__in=OPEN_STATUSES, project__isnull=False).values("project_id"))


def _by_rule(rules: dict[int, Rules], value, build) -> Q:
    """OR over the distinct values of one rule: the regions that have it and the condition it gives."""
    regions: dict[int, list[int]] = {}
    for region_id, rule in rules.items():
        regions.setdefault(getattr(rule, value), []).append(region_id)
    condition = Q(pk__in=[])
    for days, ids in regions.items():
        condition |= Q(pk__in=build(Project.objects.filter(region_id__in=ids), days).values("pk"))
    return condition


def stalled_q(today: date, rules: dict[int, Rules]) -> Q:
    """Stalled as the project list means it (``ProjectQuerySet.stalled``), with each region's own days."""
    return _by_rule(rules, "stalled_after_days", lambda qs, days: qs.stalled(today, days))


def report_late_q(today: date, rules: dict[int, Rules]) -> Q:
    """The newest due half-month has no report (``ProjectQuerySet.report_late``), each region's grace days."""
    return _by_rule(rules, "report_grace_days", lambda qs, days: qs.report_late(today, days))


def _half_month(day: date) -> int:
    """The number of the half-month containing ``day``: consecutive half-months differ by one."""
    return day.year * 24 + (day.month - 1) * 2 + (day.day > 15)


def reports_due_and_on_time(base: QuerySet[Project], today: date, rules: dict[int, Rules]) -> tuple[int, int]:
    """Half-monthly reports of this year that are due by ``today`` (the period and its grace days are
    over, as the reminder sweep counts them) and how many of those were filed on time.

    A project owes the half-months from the one of Jan 1 (or of its ``reports_from``, if later) through
    the newest one whose grace days are over (``latest_due_period``, as ``projects.reminders.report_due``
    lists them): counted by arithmetic per project, and the on-time reports inside each project's span
    counted by the database, so no report row is read."""
    since = today.replace(month=1, day=1)
    newest: dict[int, date] = {}  # grace days -> first day of the newest half-month due
    spans: dict[tuple[date, date], list[int]] = {}  # (first, newest half-month due) -> projects
    due = 0
    rows = base.exclude(stage=Stage.COMPLETED).order_by().values_list("pk", "region_id", "reports_from")
    for pk, region_id, reports_from in rows:
        grace = rules.get(region_id, DEFAULT_RULES).report_grace_days
        if grace not in newest:
            newest[grace] = latest_due_period(today, grace)[0]
        first, last = period_of(max(since, reports_from))[0], newest[grace]
        owed = _half_month(last) - _half_month(first) + 1
        if owed > 0:
            due += owed
            spans.setdefault((first, last), []).append(pk)
    # one query whatever the spans (matching nothing without any), so the page's count stays fixed
    inside = reduce(
        or_,
        (
            Q(project_id__in=ids, period_start__gte=first, period_start__lte=last)
            for (first, last), ids in spans.items()
        ),
        Q(pk=None),
    )
    on_time = ProgressReport.objects.filter(inside, on_time=True, period_start__day__in=(1, 16)).count()
    return due, on_time


@dataclass(frozen=True)
class Figure:
    label: str
    condition: Callable[[date, dict], Q]
    help: str = ""

    def q(self, today: date, rules: dict[int, Rules]) -> Q:
        return self.condition(today, rules)


def _stage(stage: str) -> Figure:
    return Figure(Stage(stage).label, lambda today, rules: Q(stage=stage))


FIGURES: dict[str, Figure] = {
    "all": Figure(_("Key projects"), lambda today, rules: Q(), _("Every key project in the scope and filters.")),
    **{f"stage_{stage}": _stage(stage) for stage in Stage.values},
    "started": Figure(
        _("Started or later"),
        lambda today, rules: Q(stage__in=STARTED_OR_LATER),
        _("Construction started, in operation or completed; the start rate is these ÷ all projects."),
    ),
    "stalled": Figure(
        _("Stalled"),
        stalled_q,
        _("No stage change and no progress report for longer than the region's project policy allows."),
    ),
    "report_late": Figure(
        _("Progress report late"),
        report_late_q,
        _("The last finished half-month has no progress report although its grace days are over."),
    ),
    "open_requests": Figure(
        _("With open requests"),
        lambda today, rules: _open_requests(),
        _("Projects with at least one request that is not yet answered."),
    ),
}
FIGURE_CARDS = ("all", "started", "stalled", "report_late", "open_requests")


def rate(part, whole) -> Decimal | None:
    """``part`` ÷ ``whole`` in per cent with one decimal, rounded half up; None without a base."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# filters


@dataclass(frozen=True)
class ProjectFilters:
    region: Region | None = None
    level: str = ""
    industry: str = ""
    stage: str = ""

    def as_params(self) -> dict:
        params = {}
        if self.region is not None:
            params["region"] = str(self.region.pk)
        for key in ("level", "industry", "stage"):
            if getattr(self, key):
                params[key] = getattr(self, key)
        return params


class ProjectFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("Whole scope"),
        widget=PlainSelect,
    )
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("All levels")), *Project.Level.choices], required=False, widget=PlainSelect
    )
    industry = forms.ChoiceField(
        label=_("Industry"), choices=[("", _("All industries")), *Industry.choices], required=False, widget=PlainSelect
    )

    def __init__(self, data, *, scope: Scope, **kwargs):
        super().__init__(data, **kwargs)
        region = self.fields["region"]
        region.queryset = Region.objects.filter(pk__in=list(scope.ids) or [0]).order_by("path")
        # the options come from the scope already read (no query to draw them)
        region.widget.choices = [("", region.empty_label), *((r.pk, r.name) for r in scope.regions)]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select form-select-sm")

    def filters(self, stage: str = "") -> tuple[ProjectFilters, list[str]]:
        """The validated filters and what was ignored (bad input never raises)."""
        self.is_valid()
        notes = [
            gettext("%(field)s: %(error)s The default is used instead.")
            % {"field": self.fields[name].label, "error": " ".join(errors)}
            for name, errors in self.errors.items()
        ]
        data = getattr(self, "cleaned_data", {})
        return ProjectFilters(
            region=data.get("region"),
            level=data.get("level") or "",
            industry=data.get("industry") or "",
            stage=stage if stage in Stage.values else "",
        ), notes


def supervised_projects(user, filters: ProjectFilters, scope: Scope) -> QuerySet[Project]:
    """Projects the supervisor may see inside their regions, narrowed by the filters."""
    ids = [r.pk for r in scope.regions if filters.region is None or r.path.startswith(filters.region.path)]
    qs = project_visible_to(user).filter(region_id__in=ids or [0])
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.industry:
        qs = qs.filter(industry=filters.industry)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    return qs


# ---------------------------------------------------------------------------------------------
# the dashboard


@dataclass(frozen=True)
class ProjectBoard:
    figures: dict
    by_stage: list[dict]
    by_region: list[dict]
    by_level: list[dict]
    open_requests: list[dict]
    reports: dict


def _investment_row(row: dict) -> dict:
    planned, completed = row["planned"] or Decimal(0), row["completed"] or Decimal(0)
    return {**row, "planned": planned, "completed": completed, "rate": rate(completed, planned)}


def board_for(base: QuerySet[Project], filters: ProjectFilters, scope: Scope, today: date) -> ProjectBoard:
    """Every figure and table of the project dashboard, in a fixed number of queries: the figures, the
    regions, the levels, the projects with open requests and the progress reports (and two for the
    project policies in force)."""
    rules = rules_by_region()
    counts = {name: Count("pk", filter=figure.q(today, rules)) for name, figure in FIGURES.items()}
    figures = base.order_by().aggregate(
        **counts, planned=Sum("planned_investment"), completed=Sum("completed_investment")
    )
    figures["start_rate"] = rate(figures["started"], figures["all"])
    figures["investment_rate"] = rate(figures["completed"] or 0, figures["planned"] or 0)
    by_stage = [
        {"stage": stage, "label": label, "count": figures[f"stage_{stage}"], "figure": f"stage_{stage}"}
        for stage, label in Stage.choices
    ]
    sums = {"count": Count("pk"), "planned": Sum("planned_investment"), "completed": Sum("completed_investment")}

    groups = scope.groups(filters.region)
    by_region = {g.pk: {"id": g.pk, "name": g.name, "count": 0, "planned": 0, "completed": 0} for g in groups}
    # summed per bar (child region of the focus) in the database
    for row in base.order_by().annotate(bar=scope.group_case(groups)).values("bar").annotate(**sums):
        entry = by_region.get(row["bar"])
        if entry is not None:
            entry.update(count=row["count"], planned=row["planned"] or 0, completed=row["completed"] or 0)

    levels = {row["level"]: row for row in base.order_by().values("level").annotate(**sums)}
    by_level = [
        _investment_row(
            {
                "level": level,
                "name": label,
                "count": levels.get(level, {}).get("count", 0),
                "planned": levels.get(level, {}).get("planned"),
                "completed": levels.get(level, {}).get("completed"),
            }
        )
        for level, label in Project.Level.choices
    ]

    open_rows = _most_open_requests(base, 20)
    return ProjectBoard(
        figures=figures,
        by_stage=by_stage,
        by_region=[_investment_row(entry) for entry in by_region.values()],
        by_level=by_level,
        open_requests=open_rows,
        reports=report_figures(base, today, rules),
    )


def _most_open_requests(base: QuerySet[Project], limit: int) -> list[Project]:
    """The projects with the most open requests, counted from the open requests alone (a few hundred
    in a province), not from every request of every project; each with ``open_count``."""
    top = list(
        Request.objects.filter(status__in=OPEN_STATUSES, project__in=base.values("pk"))
        .order_by()
        .values("project_id")
        .annotate(open_count=Count("pk"))
        .order_by("-open_count", "project__name", "project_id")[:limit]
    )
    found = Project.objects.select_related("region").in_bulk([row["project_id"] for row in top])
    projects = []
    for row in top:
        project = found[row["project_id"]]
        project.open_count = row["open_count"]
        projects.append(project)
    return projects


def report_figures(base: QuerySet[Project], today: date, rules: dict[int, Rules]) -> dict:
    """Progress reports due this year (their period ended and the grace days are over) and how many of
    them came on time; a report never filed counts as due and not on time."""
    due, on_time = reports_due_and_on_time(base, today, rules)
    return {"due": due, "on_time": on_time, "late": due - on_time, "rate": rate(on_time, due)}


def drill_projects(base: QuerySet[Project], figure: str, today: date) -> QuerySet[Project]:
    return (
        base.filter(FIGURES[figure].q(today, rules_by_region()))
        .select_related("region", "enterprise")
        .annotate(open_count=Count("requests", filter=Q(requests__status__in=OPEN_STATUSES)))
        .order_by("region__path", "name", "pk")
    )


def drill_totals(qs: QuerySet[Project]) -> dict:
    """The count and the investment sums of a drill-down list, to set beside the figure it explains."""
    totals = qs.order_by().aggregate(
        count=Count("pk"), planned=Sum("planned_investment"), completed=Sum("completed_investment")
    )
    totals["planned"] = totals["planned"] or Decimal(0)
    totals["completed"] = totals["completed"] or Decimal(0)
    return totals


def chart_data(board: ProjectBoard, drill_url: str) -> dict:
    """What static/js/projects.js draws (numbers as strings or ints: JSON knows no Decimal)."""
    return {
        "drill": drill_url,
        "labels": {
            "projects": gettext("Projects"),
            "planned": gettext("Planned this year (10k yuan)"),
            "completed": gettext("Completed this year (10k yuan)"),
        },
        "stage": [{"name": str(r["label"]), "value": r["count"], "stage": r["stage"]} for r in board.by_stage],
        "region": [
            {"id": r["id"], "name": r["name"], "planned": str(r["planned"]), "completed": str(r["completed"])}
            for r in board.by_region
        ],
        "level": [
            {"id": r["level"], "name": str(r["name"]), "planned": str(r["planned"]), "completed": str(r["completed"])}
            for r in board.by_level
        ],
    }


# ---------------------------------------------------------------------------------------------
# project service in the monthly ranking


def project_service_by_region(start: datetime, end: datetime, now: datetime) -> dict[int, list[int]]:
    """Per project region: [done, due] of the month's project service — progress reports due in the
    month and filed on time, site visits expected and made (at most the expected ones per project), and
    project requests submitted in the month that were due for an answer and answered on time."""
    service: dict[int, list[int]] = {}

    def add(region_id: int, done: int, due: int) -> None:
        entry = service.setdefault(region_id, [0, 0])
        entry[0] += done
        entry[1] += due

    requests = (
        Request.objects.filter(project__isnull=False, submitted_at__gte=start, submitted_at__lt=end)
        .filter(Q(answered_at__isnull=False) | Q(answer_due_at__lt=now))
        .order_by()
        .values("project__region_id")
        .annotate(due=Count("pk"), done=Count("pk", filter=Q(answered_on_time=True)))
    )
    for row in requests:
        add(row["project__region_id"], row["done"], row["due"])
    for region_id, done, due in visits_done_and_due(start, end):
        add(region_id, done, due)
    for region_id, done, due in reports_done_and_due(start, end):
        add(region_id, done, due)
    return service


def visits_done_and_due(start: datetime, end: datetime):
    """Per project: the visit windows that ended inside the month and how many of them had a visit."""
    first, last = timezone.localdate(start), timezone.localdate(end) - timedelta(days=1)
    projects = list(
        Project.objects.exclude(stage=Stage.COMPLETED)
        .filter(reports_from__lte=last)
        .only("pk", "region_id", "reports_from", "visit_every_days")
    )
    visited: dict[int, set] = {}
    rows = Visit.objects.filter(
        project__in=[p.pk for p in projects], visited_on__gte=first - timedelta(days=366), visited_on__lte=last
    ).values_list("project_id", "visited_on")
    for project_id, day in rows:
        visited.setdefault(project_id, set()).add(day)
    for project in projects:
        days = visited.get(project.pk, set())
        windows = [w for w in visit_windows(project, last + timedelta(days=1), first) if w[1] >= first]
        done = sum(1 for a, b in windows if any(a <= d <= b for d in days))
        if windows:
            yield project.region_id, done, len(windows)


def reports_done_and_due(start: datetime, end: datetime):
    """Per project: the half-monthly reports that fell late-due inside the month and how many came on time."""
    first, last = timezone.localdate(start), timezone.localdate(end) - timedelta(days=1)
    rules = rules_by_region()
    projects = list(
        Project.objects.exclude(stage=Stage.COMPLETED)
        .filter(reports_from__lte=last)
        .only("pk", "region_id", "reports_from")
    )
    on_time = set(
        ProgressReport.objects.filter(
            project__in=[p.pk for p in projects], on_time=True, period_start__gte=first - timedelta(days=62)
        ).values_list("project_id", "period_start")
    )
    for project in projects:
        grace = rules.get(project.region_id, DEFAULT_RULES).report_grace_days
        due = [
            period
            for period, late_on, _escalate in report_due(project, last, grace, first - timedelta(days=62))
            if first <= late_on - timedelta(days=1) <= last
        ]
        if due:
            yield project.region_id, sum(1 for period in due if (project.pk, period) in on_time), len(due)
