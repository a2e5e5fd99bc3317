"""Read queries for the work lists: the commissioner queue, the department queue, an enterprise's own
requests and the supervisors' list. Each list starts from the visibility selectors, is narrowed by a
FilterSet (issues/filters.py), counted per tab in one aggregate query, and sorted by urgency on the
stored ``current_due_at`` (requests) or ``answer_due_at`` (dispatches), both indexed.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _l

from portal.orgs.models import Pairing
from portal.orgs.selectors import (
    department_ids_for_handler,
    enterprise_ids_for_commissioner,
    enterprise_ids_for_member,
    region_scope_for,
)
from projects.models import Project

from .models import OPEN_DISPATCH_STATUSES, OPEN_STATUSES, Dispatch, DispatchStatus, Request, Status
from .selectors import request_visible_to

COMMISSIONER, DEPARTMENT, ENTERPRISE, SUPERVISOR = "commissioner", "department", "enterprise", "supervisor"
KINDS = (COMMISSIONER, DEPARTMENT, ENTERPRISE, SUPERVISOR)

# tab key → label; "open" is the default of the work queues, "all" the enterprise's default
TABS = [
    ("open", _l("To do")),
    (Status.SUBMITTED, _l("Awaiting dispatch")),
    (Status.IN_PROGRESS, _l("In progress")),
    (Status.INFO_NEEDED, _l("Information needed")),
    (Status.ANSWERED, _l("Answered")),
    (Status.CLOSED, _l("Closed")),
    ("overdue", _l("Overdue")),
    ("all", _l("All")),
]
TAB_KEYS = [key for key, _label in TABS]

SORTS = [("urgency", _l("Most urgent first")), ("newest", _l("Newest first")), ("oldest", _l("Oldest first"))]
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True)
class ListSpec:
    kind: str
    default_tab: str
    default_sort: str

    @property
    def over_dispatches(self) -> bool:
        return self.kind == DEPARTMENT

    @property
    def to_request(self) -> str:
        """The path from a row to its request ("" for request rows, "request__" for dispatch rows)."""
        return "request__" if self.over_dispatches else ""


SPECS = {
    COMMISSIONER: ListSpec(COMMISSIONER, "open", "urgency"),
    DEPARTMENT: ListSpec(DEPARTMENT, "open", "urgency"),
    ENTERPRISE: ListSpec(ENTERPRISE, "all", "newest"),
    SUPERVISOR: ListSpec(SUPERVISOR, "open", "urgency"),
}


# ---------------------------------------------------------------------------------------------
# the rows each list may show


def commissioner_project_ids(user) -> QuerySet:
    return Project.commissioners.through.objects.filter(user=user).values("project_id")


def commissioner_rows(user) -> QuerySet[Request]:
    """Requests of the enterprises and projects paired with the commissioner, and those handed to them,
    marked with the user's pairing role (A or B) by a subquery, not per row."""
    role = Pairing.objects.active().filter(commissioner=user, enterprise=OuterRef("enterprise_id")).order_by("role")
    return (request_visible_to(user)
            .filter(Q(enterprise_id__in=enterprise_ids_for_commissioner(user)) | Q(commissioner=user)
                    | Q(project_id__in=commissioner_project_ids(user)))
            .annotate(pairing=Subquery(role.values("role")[:1])))


def department_rows(user) -> QuerySet[Dispatch]:
    """Tasks dispatched to the handler's departments (the handler's whole visibility on dispatches)."""
    return Dispatch.objects.filter(department_id__in=department_ids_for_handler(user))


def enterprise_rows(user) -> QuerySet[Request]:
    return request_visible_to(user).filter(enterprise_id__in=enterprise_ids_for_member(user))


def supervisor_rows(user) -> QuerySet[Request]:
    return request_visible_to(user).filter(region_id__in=region_scope_for(user).values("pk"))


ROWS = {COMMISSIONER: commissioner_rows, DEPARTMENT: department_rows, ENTERPRISE: enterprise_rows,
        SUPERVISOR: supervisor_rows}


# ---------------------------------------------------------------------------------------------
# tabs, counts and order


def tab_condition(spec: ListSpec, tab: str, now: datetime) -> Q:
    if spec.over_dispatches:
        if tab == "open":
            return Q(status__in=OPEN_DISPATCH_STATUSES)
        if tab == "overdue":
            return Q(status__in=OPEN_DISPATCH_STATUSES, answer_due_at__lt=now)
        if tab == "all":
            return ~Q(status=DispatchStatus.CANCELLED)
        return Q(request__status=tab) & ~Q(status=DispatchStatus.CANCELLED)
    if tab == "open":
        return Q(status__in=OPEN_STATUSES)
    if tab == "overdue":
        return Q(status__in=OPEN_STATUSES, current_due_at__lt=now)
    if tab == "all":
        return Q()
    return Q(status=tab)


def overdue_condition(spec: ListSpec, now: datetime) -> Q:
    return tab_condition(spec, "overdue", now)


def due_before_condition(spec: ListSpec, moment: datetime) -> Q:
    if spec.over_dispatches:
        return Q(status__in=OPEN_DISPATCH_STATUSES, answer_due_at__lte=moment)
    return Q(status__in=OPEN_STATUSES, current_due_at__lte=moment)


def tab_counts(spec: ListSpec, qs: QuerySet, now: datetime) -> dict[str, int]:
    """How many rows each tab holds under the current filters: one aggregate query."""
    return qs.order_by().aggregate(**{
        key: Count("pk", filter=tab_condition(spec, key, now)) if key != "all" or spec.over_dispatches
        else Count("pk") for key in TAB_KEYS})


def ordered(spec: ListSpec, qs: QuerySet, sort: str) -> QuerySet:
    if spec.over_dispatches:
        return qs.order_by(*{"urgency": ("answer_due_at", "pk"), "newest": ("-dispatched_at", "-pk"),
                             "oldest": ("dispatched_at", "pk")}[sort])
    return qs.order_by(*{"urgency": (F("current_due_at").asc(nulls_last=True), "pk"),
                         "newest": ("-submitted_at", "-pk"), "oldest": ("submitted_at", "pk")}[sort])


def with_relations(spec: ListSpec, qs: QuerySet) -> QuerySet:
    """What a row shows, fetched for the whole page in a fixed number of queries."""
    if spec.over_dispatches:
        return qs.select_related("request__enterprise", "request__category", "department")
    qs = qs.select_related("enterprise", "category", "lead_department", "region")
    if spec.kind in (COMMISSIONER, SUPERVISOR):
        live = Dispatch.objects.exclude(status=DispatchStatus.CANCELLED).select_related("department")
        qs = qs.prefetch_related(Prefetch("dispatches", queryset=live, to_attr="live_dispatches"))
    return qs
