"""Excel ledgers (台账) of every supervision list and of the dashboard tables.

Workbooks are written with openpyxl in write-only mode row by row, so memory stays flat however many
rows there are. Small ledgers download at once; above ``SYNC_LIMIT`` rows a Celery task writes the
file and the page polls its progress. Phones are masked except where the supervisor must call the
enterprise (the return-visit ledger)."""

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from issues.models import Request
from portal.accounts.masking import mask_phone
from portal.accounts.spreadsheets import safe_row

from .forms import SupervisionFilterForm
from .metrics import METRICS
from .project_board import FIGURES, ProjectFilterForm, board_for, drill_projects, supervised_projects
from .selectors import (
    Scope,
    accountability_requests,
    common_request_groups,
    dashboard_for,
    drill_requests,
    lateness,
    return_visit_requests,
    supervised_requests,
)

SYNC_LIMIT = 10_000
PROGRESS_EVERY = 1000


@dataclass
class Ledger:
    title: str
    headers: list[str]
    count: int
    rows: Callable[[], Iterator[list]]


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _request_headers() -> list[str]:
    return [
        _("Reference"),
        _("Title"),
        _("Enterprise"),
        _("Contact"),
        _("Contact phone"),
        _("Region"),
        _("Category"),
        _("Source"),
        _("Status"),
        _("Lead department"),
        _("Submitted"),
        _("Dispatch deadline"),
        _("Dispatched"),
        _("Answer deadline"),
        _("Answered"),
        _("Outcome"),
        _("Evaluation"),
        _("Score"),
        _("Reopened"),
    ]


def _labels(field: str) -> dict:
    """A request field's choice labels in the active language, once per export (``get_FOO_display`` per
    cell builds the choices again every time)."""
    return {value: str(label) for value, label in Request._meta.get_field(field).flatchoices}


def _request_row(req, *, unmask: bool, labels: dict) -> list:
    phone = req.enterprise.contact_phone
    return [
        req.reference,
        req.title,
        req.enterprise.name,
        req.enterprise.contact_name,
        phone if unmask else mask_phone(phone),
        req.region.name,
        req.category.name,
        labels["source"].get(req.source, req.source or ""),
        labels["status"].get(req.status, req.status or ""),
        req.lead_department.name if req.lead_department else "",
        _local(req.submitted_at),
        _local(req.assign_due_at),
        _local(req.assigned_at),
        _local(req.answer_due_at),
        _local(req.answered_at),
        labels["outcome"].get(req.outcome, req.outcome or ""),
        labels["verdict"].get(req.verdict, req.verdict or ""),
        req.satisfaction_score if req.satisfaction_score is not None else "",
        req.reopen_count,
    ]


def _requests(title: str, qs, *, unmask: bool = False, extra_headers=(), extra=None) -> Ledger:
    def rows():
        labels = {field: _labels(field) for field in ("source", "status", "outcome", "verdict")}
        for req in qs.iterator(chunk_size=2000):
            row = _request_row(req, unmask=unmask, labels=labels)
            if extra is not None:
                row += extra(req)
            yield row

    return Ledger(title, _request_headers() + list(extra_headers), qs.count(), rows)


def build_ledger(kind: str, user, params: dict, now: datetime | None = None) -> Ledger | None:
    """The ledger of one supervision list with the filters of its page; None for an unknown ledger."""
    now = now or timezone.now()
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data[key] = value
    if kind in PROJECT_KINDS:
        return _project_ledger(kind, user, data, now)
    form = SupervisionFilterForm(data, user=user)
    filters, _notes = form.filters()
    scope = Scope.of(user)
    base = supervised_requests(user, filters, scope=scope)
    if kind == "drill":
        metric = params.get("metric") or "received"
        if metric not in METRICS:
            return None
        return _requests(
            _("Requests: %(metric)s") % {"metric": METRICS[metric].label}, drill_requests(base, metric, now)
        )
    if kind == "accountability":
        qs = accountability_requests(base, now)
        return _requests(
            _("Accountability list"),
            qs,
            extra_headers=[_("Hours late"), _("Yellow card"), _("Red card"), _("Extensions")],
            extra=lambda r: [
                round(lateness(r, now).total_seconds() / 3600, 1),
                _("yes") if r.yellow else "",
                _("yes") if r.red else "",
                "; ".join(f"{e.get_status_display()} {_local(e.requested_due_at)}" for e in r.extensions.all()),
            ],
        )
    if kind == "return_visits":
        qs = return_visit_requests(base)
        return _requests(
            _("Return visits"),
            qs,
            unmask=True,
            extra_headers=[_("Calls"), _("Last call")],
            extra=lambda r: [r.calls, _local(r.last_call)],
        )
    if kind == "common":
        groups = common_request_groups(user, filters, scope)

        def rows():
            for g in groups:
                yield [
                    str(g["category"]),
                    str(g["industry_label"]),
                    g["region"].name,
                    g["count"],
                    g["previous"],
                    g["issue"].title if g["issue"] else "",
                ]

        return Ledger(
            _("Common requests"),
            [_("Category"), _("Industry"), _("Region"), _("Requests"), _("Previous period"), _("Policy issue")],
            len(groups),
            rows,
        )
    if kind == "dashboard":
        board = dashboard_for(base, filters, scope, now)
        figures, charts = board.figures, board.charts

        def rows():
            # the period the figures count (requests submitted in it), before the figures themselves
            yield [_("Period"), f"{filters.start:%Y-%m-%d} – {filters.end:%Y-%m-%d}", "", ""]
            for name, metric in METRICS.items():
                yield [_("Figure"), str(metric.label), figures[name]]
            for key, label in (
                ("resolution_rate", _("Resolution rate (%)")),
                ("on_time_dispatch_rate", _("On-time dispatch rate (%)")),
                ("on_time_answer_rate", _("On-time answer rate (%)")),
                ("reopen_rate", _("Share of answered requests reopened (%)")),
                ("reopens", _("Reopens (each rejection counts)")),
                ("satisfaction", _("Satisfaction coefficient")),
                ("dispatch_hours", _("Average working hours to dispatch")),
                ("answer_hours", _("Average working hours to answer")),
            ):
                yield [_("Figure"), label, figures[key] if figures[key] is not None else ""]
            for table, label in (("region", _("Region")), ("category", _("Category")), ("department", _("Department"))):
                for row in charts[table]:
                    yield [label, row["name"], row["received"], row["resolved"]]

        return Ledger(
            _("Dashboard"), [_("Table"), _("Name"), _("Received / value"), _("Resolved")], len(METRICS) + 9, rows
        )
    return None


def _project_ledger(kind: str, user, data: QueryDict, now: datetime) -> Ledger | None:
    """The key-project dashboard's tables, or the list behind one of its figures. The owner
    enterprise's contact phone is masked: supervisors read it on the project's page when they call."""
    scope = Scope.of(user)
    filters, _notes = ProjectFilterForm(data, scope=scope).filters(data.get("stage", ""))
    base = supervised_projects(user, filters, scope)
    if kind == "project_list":
        figure = data.get("figure") or "all"
        if figure not in FIGURES:
            return None
        qs = drill_projects(base, figure, timezone.localdate(now))

        def rows():
            for p in qs.iterator(chunk_size=2000):
                enterprise = p.enterprise
                yield [
                    p.name,
                    p.region.name,
                    enterprise.name if enterprise else "",
                    enterprise.contact_name if enterprise else "",
                    mask_phone(enterprise.contact_phone) if enterprise else "",
                    p.get_level_display(),
                    p.get_industry_display(),
                    p.get_stage_display(),
                    p.total_investment,
                    p.planned_investment,
                    p.completed_investment,
                    p.open_count,
                ]

        return Ledger(
            _("Key projects: %(figure)s") % {"figure": FIGURES[figure].label},
            [
                _("Project"),
                _("Region"),
                _("Enterprise"),
                _("Contact"),
                _("Contact phone"),
                _("Level"),
                _("Industry"),
                _("Stage"),
                _("Total investment (10k yuan)"),
                _("Planned this year (10k yuan)"),
                _("Completed this year (10k yuan)"),
                _("Open requests"),
            ],
            qs.count(),
            rows,
        )
    if kind == "projects":
        board = board_for(base, filters, scope, timezone.localdate(now))
        figures = board.figures

        def rows():
            for name, figure in FIGURES.items():
                yield [_("Figure"), str(figure.label), figures[name], "", "", ""]
            yield [_("Figure"), _("Start rate (%)"), figures["start_rate"] if figures["start_rate"] is not None else ""]
            reports = board.reports
            yield [_("Figure"), _("Reports on time (%)"), reports["rate"] if reports["rate"] is not None else ""]
            yield [_("Figure"), _("Reports due"), reports["due"]]
            yield [_("Figure"), _("Reports on time"), reports["on_time"]]
            for table, label in ((board.by_region, _("Region")), (board.by_level, _("Level"))):
                for row in table:
                    yield [label, str(row["name"]), row["count"], row["planned"], row["completed"], row["rate"] or ""]
            for p in board.open_requests:
                yield [_("Open requests per project"), p.name, p.open_count, "", "", ""]

        return Ledger(
            _("Key project dashboard"),
            [
                _("Table"),
                _("Name"),
                _("Projects / value"),
                _("Planned this year (10k yuan)"),
                _("Completed this year (10k yuan)"),
                _("Completion (%)"),
            ],
            len(FIGURES) + 4 + len(board.by_region) + len(board.by_level) + len(board.open_requests),
            rows,
        )
    return None


def write_workbook(ledger: Ledger, target, progress: Callable[[int], None] | None = None) -> int:
    """Write the ledger into ``target`` (a path or a binary file); return the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=ledger.title[:31].replace("/", "-").replace(":", " "))
    sheet.append(safe_row(ledger.headers))
    written = 0
    for row in ledger.rows():
        sheet.append(safe_row(row))
        written += 1
        if progress is not None and written % PROGRESS_EVERY == 0:
            progress(written)
    workbook.save(target)
    return written


def spooled_workbook(ledger: Ledger):
    handle = tempfile.TemporaryFile()
    write_workbook(ledger, handle)
    handle.seek(0)
    return handle


PROJECT_KINDS = ("projects", "project_list")
KINDS = ("drill", "accountability", "return_visits", "common", "dashboard")
LEDGERS = (*KINDS, *PROJECT_KINDS)
