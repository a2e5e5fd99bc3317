"""Excel ledgers (台账) of every supervision list and of the dashboard tables.

Workbooks are written with openpyxl in write-only mode row by row, so memory stays flat however many
rows there are. Small ledgers download at once; above ``SYNC_LIMIT`` rows a Celery task writes the
file and the page polls its progress. Phones are masked except where the supervisor must call the
enterprise (the return-visit ledger)."""

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from issues.models import Category, Request
from portal.accounts.spreadsheets import safe_row
from portal.choices import choice_labels
from portal.masking import mask_phone
from portal.orgs.models import Department, Enterprise, Region

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
CHUNK = 2000


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


# the request columns a ledger row shows; the names of its enterprise, region, category and lead
# department come from small lookups per chunk (_Names), not from joins
REQUEST_FIELDS = (
    "id",
    "title",
    "enterprise_id",
    "region_id",
    "category_id",
    "source",
    "status",
    "lead_department_id",
    "submitted_at",
    "assign_due_at",
    "assigned_at",
    "answer_due_at",
    "answered_at",
    "outcome",
    "verdict",
    "satisfaction_score",
    "reopen_count",
)


def in_chunks(qs, size: int = CHUNK) -> Iterator[list]:
    """The objects of ``qs`` in its order, ``size`` at a time, with its annotations and prefetches.

    Not one cursor over the whole ledger: outside a transaction Django declares PostgreSQL's server-side
    cursors WITH HOLD, and such a cursor computes and stores its entire result before the first row
    (355,000 joined rows for a province's year, when the first 10,000 are wanted). A ledger ordered by a
    non-null column and then the id pages on those two (each page an index scan with a LIMIT); any
    other order reads the ordered ids first (one narrow column) and then each chunk by id."""
    keyset = _keyset(qs)
    if keyset is None:
        yield from _chunks_by_id(qs, size)
        return
    name, op = keyset
    page = qs
    while chunk := list(page[:size]):
        yield chunk
        value, last = getattr(chunk[-1], name), chunk[-1].pk
        after = Q(**{f"{name}__{op}": value}) | Q(**{name: value, f"pk__{op}": last})
        page = qs.filter(**{f"{name}__{op}e": value}).filter(after)


def _keyset(qs) -> tuple[str, str] | None:
    """(column, "lt" or "gt") when ``qs`` is ordered by one non-null column of its model, then by the id
    in the same direction; None otherwise."""
    order = tuple(qs.query.order_by)
    if len(order) != 2 or not all(isinstance(term, str) for term in order):
        return None
    first, tie = order
    descending = first.startswith("-")
    if tie.startswith("-") != descending or tie.removeprefix("-") not in ("pk", qs.model._meta.pk.name):
        return None
    try:
        field = qs.model._meta.get_field(first.removeprefix("-"))
    except FieldDoesNotExist:
        return None
    if not field.concrete or field.null or field.is_relation:
        return None
    return field.name, "lt" if descending else "gt"


def _chunks_by_id(qs, size: int) -> Iterator[list]:
    ids = qs.values_list("pk", flat=True).iterator(chunk_size=size)
    while chunk := list(islice(ids, size)):
        found = {obj.pk: obj for obj in qs.filter(pk__in=chunk).order_by()}
        yield [found[pk] for pk in chunk if pk in found]


class _Names:
    """The names a chunk of requests shows, fetched by id: enterprises per chunk (a province has
    210,000), regions, categories and departments kept for the whole ledger (a few thousand at most)."""

    def __init__(self):
        self.regions, self.categories, self.departments = {}, {}, {}
        self.enterprises = {}

    @staticmethod
    def _fill(known: dict, model, ids, fields=("name",)):
        missing = {pk for pk in ids if pk is not None and pk not in known}
        if missing:
            for pk, *values in model.objects.filter(pk__in=missing).order_by().values_list("pk", *fields):
                known[pk] = values if len(fields) > 1 else values[0]

    def load(self, chunk: list) -> None:
        self.enterprises = {}
        contact = ("name", "contact_name", "contact_phone")
        self._fill(self.enterprises, Enterprise, [r.enterprise_id for r in chunk], contact)
        self._fill(self.regions, Region, [r.region_id for r in chunk])
        self._fill(self.categories, Category, [r.category_id for r in chunk])
        self._fill(self.departments, Department, [r.lead_department_id for r in chunk])


def _request_rows(qs, *, unmask: bool, extra) -> Iterator[list]:
    fields = ("source", "status", "outcome", "verdict")
    sources, statuses, outcomes, verdicts = (choice_labels(Request, field) for field in fields)
    tz = timezone.get_current_timezone()

    def local(moment):
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    names = _Names()
    for chunk in in_chunks(qs.select_related(None).only(*REQUEST_FIELDS)):
        names.load(chunk)
        for req in chunk:
            enterprise, contact, phone = names.enterprises[req.enterprise_id]
            row = [
                req.reference,
                req.title,
                enterprise,
                contact,
                phone if unmask else mask_phone(phone),
                names.regions[req.region_id],
                names.categories[req.category_id],
                sources.get(req.source, req.source or ""),
                statuses.get(req.status, req.status or ""),
                names.departments.get(req.lead_department_id, ""),
                local(req.submitted_at),
                local(req.assign_due_at),
                local(req.assigned_at),
                local(req.answer_due_at),
                local(req.answered_at),
                outcomes.get(req.outcome, req.outcome or ""),
                verdicts.get(req.verdict, req.verdict or ""),
                req.satisfaction_score if req.satisfaction_score is not None else "",
                req.reopen_count,
            ]
            if extra is not None:
                row += extra(req)
            yield row


def _requests(title: str, qs, *, unmask: bool = False, extra_headers=(), extra=None) -> Ledger:
    def rows():
        return _request_rows(qs, unmask=unmask, extra=extra)

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
