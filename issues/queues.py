"""Read queries for the work lists: the commissioner queue, the department queue, an enterprise's own
requests and the supervisors' list. Each list starts from the visibility selectors, is narrowed by a
FilterSet (issues/filters.py), counted per tab in one aggregate query, and sorted by urgency on the
stored ``current_due_at`` (requests) or ``answer_due_at`` (dispatches), both indexed.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from portal import (
    aside,
    lookups,  # noqa: F401  (``__any``)
)
from portal.orgs import listing
from portal.orgs.models import Pairing
from portal.orgs.selectors import (
    enterprise_ids_for_commissioner,
    enterprise_ids_for_member,
    handled_department_ids,
    supervised_paths,
)
from portal.statements import Statement
from projects.selectors import project_ids_for_commissioner

from .deadlines import ANSWER_CLOCK_STATUSES, overdue_q, task_overdue_q
from .models import (
    OPEN_DISPATCH_STATUSES,
    OPEN_STATUSES,
    Dispatch,
    DispatchStatus,
    Extension,
    ExtensionStatus,
    Request,
    Status,
)

COMMISSIONER, DEPARTMENT, ENTERPRISE, SUPERVISOR = "commissioner", "department", "enterprise", "supervisor"

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
    # the scope is large and mostly closed (a supervisor's regions, a department's tasks over the years):
    # 已办结 and 全部 get bounded counts
    large: bool = False

    @property
    def over_dispatches(self) -> bool:
        return self.kind == DEPARTMENT

    @property
    def to_request(self) -> str:
        """The path from a row to its request ("" for request rows, "request__" for dispatch rows)."""
        return "request__" if self.over_dispatches else ""


SPECS = {
    COMMISSIONER: ListSpec(COMMISSIONER, "open", "urgency"),
    DEPARTMENT: ListSpec(DEPARTMENT, "open", "urgency", large=True),
    ENTERPRISE: ListSpec(ENTERPRISE, "all", "newest"),
    SUPERVISOR: ListSpec(SUPERVISOR, "open", "urgency", large=True),
}


# ---------------------------------------------------------------------------------------------
# the rows each list may show


# PostgreSQL's planner checks the predicates of the partial indexes against a constant list of at most 100
# values one value at a time, for every index and every arm of an OR; a longer list it takes whole. A
# commissioner's 100 paired enterprises made the queue's page query 5.5 ms to plan (0.6 ms to run); with
# one value more, 1.1 ms. Planning grows with the square of the list from about 30 values (40: 1.7 ms).
PLANNER_LIST_LIMIT = 100
PAD_FROM = 30


def padded(ids: list[int]) -> list[int]:
    """``ids`` (database ids, all positive), made longer than PLANNER_LIST_LIMIT with ids no row has (-1, -2,
    …) when it has more than PAD_FROM: the same rows, planned in a fifth of the time (see above). The values
    must differ: Django's ``__in`` drops repeated ones."""
    if PAD_FROM < len(ids) <= PLANNER_LIST_LIMIT:
        return [*ids, *range(-1, -(PLANNER_LIST_LIMIT + 2 - len(ids)), -1)]
    return ids


def _ids(queryset) -> list[int]:
    """Evaluate a short id list once, so the list query reads ``col = ANY(array)`` and PostgreSQL can combine
    its indexes (BitmapOr) instead of filtering every row through a hashed subplan. Unordered: the models'
    default orders (a pairing's enterprise name) would join a table to sort what an id list does not need."""
    queryset = queryset.order_by()
    return padded(
        list(queryset.values_list(queryset.query.values_select[0], flat=True))
        if queryset.query.values_select
        else list(queryset)
    )


def _paired(user_id: int, on: date) -> QuerySet:
    """(id, 0) for each paired enterprise, (id, 1) for each paired project."""
    enterprises = enterprise_ids_for_commissioner(user_id, on).order_by().values_list("enterprise_id", Value(0))
    projects = project_ids_for_commissioner(user_id, on).order_by().values_list("project_id", Value(1))
    return enterprises.union(projects, all=True)


# compiled once (portal/statements.py): every page of the commissioner's asks it
_PAIRED = Statement(_paired, ((-1, date(1901, 1, 2)), (-2, date(1902, 3, 4))))


def _paired_ids(user) -> tuple[list[int], list[int]]:
    """The ids of the enterprises and of the projects paired with the commissioner today, as ``_ids``
    gives each, read in one query (a UNION ALL of the two) rather than two."""
    found: tuple[list[int], list[int]] = ([], [])
    for pk, of in _PAIRED.rows(user.pk, timezone.localdate()):
        found[of].append(pk)
    return padded(found[0]), padded(found[1])


def commissioner_rows(user) -> QuerySet[Request]:
    """Requests of the enterprises and projects paired with the commissioner, and those handed to them —
    the commissioner part of ``request_visible_to`` — marked with the user's pairing role (A or B) by a
    subquery, not per row."""
    enterprises, projects = _paired_ids(user)
    role = Pairing.objects.active().filter(commissioner=user, enterprise=OuterRef("enterprise_id")).order_by("role")
    scope = Q(commissioner=user) | Q(enterprise_id__any=enterprises)
    if projects:
        scope |= Q(project_id__any=projects)
    return Request.objects.filter(scope).annotate(pairing=Subquery(role.values("role")[:1]))


def department_rows(user) -> QuerySet[Dispatch]:
    """Tasks dispatched to the handler's departments (the handler's whole visibility on dispatches)."""
    return Dispatch.objects.filter(department_id__any=padded(list(handled_department_ids(user))))


def enterprise_rows(user) -> QuerySet[Request]:
    """The member part of ``request_visible_to``."""
    return Request.objects.filter(enterprise_id__any=_ids(enterprise_ids_for_member(user)))


def supervisor_rows(user, kept: listing.Listing | None = None) -> QuerySet[Request]:
    """The supervisor part of ``request_visible_to``: every request in the scope's regions, which the
    regions of the current listing give (``portal.orgs.listing``, one single-row query). A scope that
    holds every region (a province's supervisors, whose paths cover each top region) is every request,
    written without a region condition: the live grams index, led by the region, looked a gram up once per
    region (130 times for the province: 3.6 ms a column for a common pair, against one look-up). ``kept``:
    the listing, when the page has read it already."""
    paths = supervised_paths(user)
    kept = kept or listing.current()
    regions = kept.regions_within(paths) if paths else ()
    if regions and len(regions) == len(kept.regions):
        return Request.objects.all()
    return Request.objects.filter(region_id__any=padded([r.pk for r in regions]))


ROWS = {
    COMMISSIONER: commissioner_rows,
    DEPARTMENT: department_rows,
    ENTERPRISE: enterprise_rows,
    SUPERVISOR: supervisor_rows,
}


def rows_for(kind: str, user, kept: listing.Listing | None = None) -> QuerySet:
    """``ROWS[kind](user)``, with the listing a page has read (``kept``) for a supervisor's scope."""
    return supervisor_rows(user, kept) if kind == SUPERVISOR else ROWS[kind](user)


# ---------------------------------------------------------------------------------------------
# tabs, counts and order


def opaque(condition: Q) -> Case:
    """``condition`` as ``CASE WHEN … THEN true ELSE false END``: the same rows, but no index condition, and
    PostgreSQL no longer splits its OR into one bitmap index scan per arm nor takes it for a second,
    independent condition (the text search uses it so, issues/filters.py). Its estimates of overdue_q's
    conjunctions (status and deadlines, taken as independent: one row instead of thousands) made it walk
    the province's overdue requests on the (status, current_due_at) index and filter the scope on the
    heap."""
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def tab_condition(spec: ListSpec, tab: str, now: datetime, sort: str = "urgency") -> Q:
    """The rows of ``tab``; ``sort``: the order the page's rows are read in (the counts take the default)."""
    if spec.over_dispatches:
        if tab == "open":
            return Q(status__in=OPEN_DISPATCH_STATUSES)
        if tab == "overdue":
            return task_overdue_q(now)
        if tab == "all":
            return ~Q(status=DispatchStatus.CANCELLED)
        # the task's copy of its request's state (Dispatch.request_status): no join with the requests
        return Q(request_status=tab) & ~Q(status=DispatchStatus.CANCELLED)
    # current_due_at is set exactly while a request is open (Request.save keeps it so), which lets "open"
    # and "overdue" walk the current_due_at index in urgency order and stop after one page; an overdue
    # request always has current_due_at < now (it is the earlier of its deadlines), and overdue_q leaves
    # out the paused (待补充) and the returned ones whose dispatch clock has stopped
    if tab == "open" and spec.large and sort != "urgency":
        # in the submission order of a large scope, with the open states, the predicate of the open
        # requests' index in that order (req_open_submitted), whose first entries are the page (0.2 ms for
        # the province's oldest, where walking the submission index of the whole table from the oldest read
        # 74,000 entries for a city's 50, 144 ms); the running deadline, which the index carries, is checked
        # on its entries, for a request written past Request.save (a bulk load) without one
        return Q(status__in=OPEN_STATUSES) & Q(opaque(Q(current_due_at__isnull=False)))
    if tab == "open":
        return Q(current_due_at__isnull=False)
    if tab == "overdue":
        # the status condition repeats what overdue_q implies (only a running clock is overdue), so that
        # it is an index condition of (scope, status, current_due_at); overdue_q itself is checked on the
        # rows found (see opaque)
        running = Q(status__in=ANSWER_CLOCK_STATUSES, current_due_at__lt=now)
        if not spec.large:
            # a commissioner's or an enterprise's few hundred requests are found on the scope's indexes and
            # checked: taking status and deadline as independent (a few dozen overdue requests in the
            # province instead of 8,000), PostgreSQL otherwise walked every overdue request of the province
            # on (status, current_due_at) to find a commissioner's dozen
            return Q(opaque(running & overdue_q(now)))
        # a large scope: the states and the deadline are a range of the running requests' index
        # (req_running_due), which carries the region and every deadline, so the province's overdue
        # requests are read from the index alone whatever the scope, and its first entries are the page in
        # order; overdue_q is checked on them. (Without the region and deadlines in that index, a
        # city's overdue rows were found on the region-led live index instead: walking the province's on
        # (status, current_due_at) dropped those of other regions on the heap, 7,800 for a city's 1,300.)
        if sort != "urgency":
            # in submission order, the deadline is checked on the open requests' index in that order
            # (req_open_submitted) with the rest: as a range of its own it was taken for an independent
            # condition, the province's 9,900 overdue requests were expected to be 39, and PostgreSQL read
            # them all on the heap and sorted them (18 ms) rather than walk the index (1 ms)
            return Q(status__in=ANSWER_CLOCK_STATUSES) & Q(opaque(running & overdue_q(now)))
        return running & Q(opaque(running & overdue_q(now)))
    if tab == "all":
        return Q()
    return Q(status=tab)


def overdue_condition(spec: ListSpec, now: datetime) -> Q:
    return tab_condition(spec, "overdue", now)


def due_before_condition(spec: ListSpec, moment: datetime) -> Q:
    if spec.over_dispatches:
        return Q(status__in=OPEN_DISPATCH_STATUSES, answer_due_at__lte=moment)
    return Q(current_due_at__lte=moment)


# Above this many rows a large scope's 已办结 and 全部 tabs show "1000+" instead of their exact count: they hold
# most of a city's requests (170,000 at a province's million) or of a busy department's tasks (4,000), and
# counting them exactly read every entry of the scope (and for tasks, each one's request) on every page.
COUNT_LIMIT = 1_000
# With a text search, a city's 已办结 and 全部 stop at this many matches instead ("100+"): a common word is in
# one closed request in ten or twenty, so finding COUNT_LIMIT + 1 of them checked the text of 12,000 of the
# city's closed requests on the heap on every page of the search (50 ms at a province's million); 101 of
# them are a tenth of that. The live tabs stay exact.
SEARCH_COUNT_LIMIT = 100

# the states of the requests that every tab but 已办结 and 全部 holds (current_due_at is set exactly while
# open; 已答复 is its own state)
LIVE_STATUSES = (*OPEN_STATUSES, Status.ANSWERED)


class _BoundedCount(Subquery):
    """``(SELECT COUNT(*) FROM (<the rows, at most COUNT_LIMIT + 1>))``: a scalar subquery that stops reading
    the index after COUNT_LIMIT + 1 entries. Usable inside ``aggregate()``."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) bounded)"
    output_field = IntegerField()
    contains_aggregate = True

    def __init__(self, queryset, column: str, limit: int | None = None, *, order: str | None = None):
        limit = COUNT_LIMIT if limit is None else limit
        queryset = queryset.order_by(order) if order else queryset.order_by()
        super().__init__(queryset.values(column)[: limit + 1], output_field=IntegerField())


def whole_scope(scope: QuerySet) -> bool:
    """Whether a list's scope (``rows_for``, before the filters) is every request: a supervisor's that holds
    every region has no condition at all."""
    return scope.model is Request and not scope.query.where


def search_bounded(spec: ListSpec, searched: bool) -> tuple[str, ...]:
    """The tabs whose count stops at SEARCH_COUNT_LIMIT + 1 (shown "100+") instead of COUNT_LIMIT + 1: 已办结
    and 全部 of a text search over a large scope of requests (the supervisors' list). The department queue
    counts a search over the ids of its matching requests (issues/filters.py), exactly up to COUNT_LIMIT."""
    return (Status.CLOSED, "all") if searched and spec.large and not spec.over_dispatches else ()


def tab_counts(*args, **kwargs) -> dict[str, int]:
    """``tab_counts_pending(…).result()``: the counts, read now on the caller's connection."""
    kwargs.setdefault("now_needed", True)
    return tab_counts_pending(*args, **kwargs).result()


def tab_counts_pending(
    spec: ListSpec,
    qs: QuerySet,
    now: datetime,
    *,
    searched: bool = False,
    live_only: bool = False,
    live_rows: QuerySet | None = None,
    every_request: bool = False,
    now_needed: bool = False,
) -> aside.Pending:
    """How many rows each tab holds under the current filters, in one query of conditional counts, each of
    a column in the scope's index so PostgreSQL answers from indexes alone. A small scope (a commissioner's,
    an enterprise's) is counted exactly in one pass. A large one (``spec.large``) is counted over its live
    rows only (open or answered: a few thousand even for a city; ``req_live_region``),
    with bounded counts (at most COUNT_LIMIT + 1) for 已办结 and 全部, which hold nearly all of it; with a
    text search (``searched``) those of the supervisors' list stop at SEARCH_COUNT_LIMIT + 1.
    ``live_only``: the filters already keep live rows only (the overdue filter), so 已办结 and 已撤回 are 0
    without a query, and the live states are not asked again: PostgreSQL takes a repeated state condition
    as a second, independent one and multiplies the estimates (a city's 1,300 overdue requests became a
    dozen), then walked the province's running requests on a (status, …) index instead of the scope's
    entries of ``req_live_region``.
    ``live_rows``: the live rows of ``qs`` asked another way, which a large scope's live tabs are counted
    over instead (a short, common search term's matches, from the live grams index: filters.filter_text).
    ``every_request``: ``qs`` is every request (a ``whole_scope``) with no filter but a text search.
    The query is compiled here and read beside the page (portal/aside.py): ``result()`` is the counts.
    ``now_needed``: the page cannot go on without them (another page than the first, ``page_needs_counts``),
    so they are read at once on its own connection (on another, the same count took 1.2 ms longer: 8.7 ms
    against 7.5)."""
    qs = qs.order_by()
    limit = SEARCH_COUNT_LIMIT if search_bounded(spec, searched) else COUNT_LIMIT
    column = "department_id" if spec.over_dispatches else "region_id"
    if not spec.large:
        return _counting(
            now_needed,
            qs,
            {
                key: Count(column, filter=tab_condition(spec, key, now)) if key != "all" else Count(column)
                for key in TAB_KEYS
            },
        )
    live_tabs = [Status.SUBMITTED, Status.IN_PROGRESS, Status.INFO_NEEDED, Status.ANSWERED, "overdue"]
    if spec.over_dispatches:
        # tasks: 全部 is a bounded count of the department's task index alone (1,001 entries); its sum
        # below would probe the requests of all of them for 已撤回 (4,000 for the busiest department)
        ended = (Status.CLOSED, "all")
    else:
        # 全部 is not counted on its own: it is 已办结, 已撤回 and the live rows, so min(COUNT_LIMIT + 1, their
        # sum) of their bounded counts is its bounded count. 已撤回 is a few percent of a scope, so its count
        # stops early where 全部's read most of the scope's entries (with a text search, most of its rows:
        # 12,000 of a city's for a common word)
        # (with filters that keep live rows only, the overdue filter, both are empty: nothing to count)
        ended = tuple(key for key in (Status.CLOSED, Status.WITHDRAWN) if not tab_left_empty(spec, key, live_only))
    # 已办结 of every request in the order of a (status, submitted_at) index: with no region to lead an index,
    # PostgreSQL read the province's closed requests that a text matches with a sequential scan stopped by
    # the limit. Not 已撤回, a few percent of the rows, which it reads from a status index (ordered, it
    # gathered all 2,451 withdrawn matches of a word and sorted them: 9.8 ms against 1.7). Not with another
    # filter (a region's, a department's), whose own index finds its few closed rows, where the order
    # would walk the province's
    in_order = {Status.CLOSED: "submitted_at"} if every_request else {}
    bounded = {
        key: _BoundedCount(qs.filter(tab_condition(spec, key, now)), column, limit, order=in_order.get(key))
        for key in ended
    }
    if spec.over_dispatches:
        # an open task may belong to a request in any state: counted on the dispatch index alone
        bounded["open"] = _BoundedCount(qs.filter(tab_condition(spec, "open", now)), column)
        # the department's live tasks on (department, request_status) alone: a few dozen entries of the
        # index, where a join read every live request of the province (15,000) to find them
        live = qs if live_only else qs.filter(request_status__in=LIVE_STATUSES)
    else:
        live_tabs.append("open")
        live = _live_rows(qs, live_only, live_rows)
    counting = _counting(
        now_needed,
        live,
        {
            **{key: Count(column, filter=tab_condition(spec, key, now)) for key in live_tabs},
            **({} if spec.over_dispatches else {"live": Count(column)}),
            **bounded,
        },
    )

    def by_tab(counts: dict[str, int]) -> dict[str, int]:
        if not spec.over_dispatches:
            for key in (Status.CLOSED, Status.WITHDRAWN):
                counts.setdefault(key, 0)
            counts["all"] = min(limit + 1, counts["live"] + counts[Status.CLOSED] + counts[Status.WITHDRAWN])
        return {key: counts[key] for key in TAB_KEYS}

    return counting.then(by_tab)


def _live_rows(qs: QuerySet, live_only: bool, live_rows: QuerySet | None) -> QuerySet:
    """The live requests of ``qs`` that a large scope's live tabs are counted over (see ``tab_counts``)."""
    if live_rows is not None:
        return live_rows
    return qs if live_only else qs.filter(status__in=LIVE_STATUSES)


def running_count(
    spec: ListSpec,
    qs: QuerySet,
    size: int,
    *,
    live_only: bool = False,
    live_rows: QuerySet | None = None,
) -> aside.Pending:
    """``tab_counts``' 待办 count of a large scope of requests, read only up to RUNNING_WALK_FROM or the page
    ``size``, whichever is more: all that the first page of 全部 most urgent first needs of it (``PagedByIds``
    chooses how to read the running rows by it, and takes them alone when there are a page of them), so that
    page is found while the counts are read beside it. With a text search the counts waited for took 7–10 ms
    of a province's page. Compiled here and read beside the page (portal/aside.py), sent before the tab
    counts: the page compiles those while PostgreSQL reads this (a province's search, median of 40
    fetches alternated: 27.3 → 25.5 ms)."""
    # the running deadline as a CASE, checked on the live rows found (as PagedByIds reads them): as a plain
    # condition, PostgreSQL took it into the live index with the region and computed a common pair's grams on
    # each of a city's 1,800 running requests (57 ms, where the live grams index gives the 200 that match)
    running = _live_rows(qs, live_only, live_rows).order_by().filter(opaque(Q(current_due_at__isnull=False)))
    query = running.values("pk")[: max(RUNNING_WALK_FROM, size)]
    return aside.read_query(query, around="SELECT COUNT(*) AS n FROM ({}) bounded").then(
        lambda row: row["n"] if row else 0
    )


def _counting(now_needed: bool, qs: QuerySet, counts: dict) -> aside.Pending:
    """``qs.aggregate(**counts)``, written as the one row of a query without GROUP BY: ``aggregate()``
    resolves each count against those before it (so that one may refer to another), comparing every part
    of each condition with every count already added: half the Python time of the counts of a queue (3–5
    ms a page). A filter that matches nothing (an empty id list) leaves no query at all: every count is 0.
    Compiled here, read by ``aside.read_query``."""
    query = qs.order_by().values(_row=Value(1)).annotate(**counts)
    return aside.read_query(query, now=now_needed).then(
        lambda row: {key: (row[key] or 0) if row else 0 for key in counts}
    )


# The request tabs none of whose rows has a running deadline (current_due_at is None once answered)
UNTIMED_TABS = (Status.ANSWERED, Status.CLOSED)


def ordered(spec: ListSpec, qs: QuerySet, sort: str, tab: str = "", every_request: bool = False) -> QuerySet:
    """The rows in the order ``sort`` names. On a tab of requests without a running deadline, "most urgent
    first" is the order of their ids (every current_due_at is None), and is asked as such: with the empty
    deadline as the first key PostgreSQL sorted all of a city's closed requests for a page (1.1 s; a
    province's, 4.5 s), where the id order reads the primary key until a page is found (1 ms)."""
    if spec.over_dispatches:
        return qs.order_by(
            *{
                "urgency": ("answer_due_at", "pk"),
                "newest": ("-dispatched_at", "-pk"),
                "oldest": ("dispatched_at", "pk"),
            }[sort]
        )
    # a large scope's 已答复 oldest first: a few thousand recent requests, which the submission index of the
    # whole table has at its far end. Of every request (``every_request``, as tab_counts takes it), the first of
    # them lead (status, submitted_at): reading and sorting the province's 4,400 took 7 ms
    sorted_answered = sort == "oldest" and tab == Status.ANSWERED and not every_request
    key = F if spec.large and not sorted_answered else _sorted_key
    if sort == "urgency" and tab in UNTIMED_TABS:
        return qs.order_by(key("pk"))
    return qs.order_by(
        *{
            "urgency": (key("current_due_at").asc(nulls_last=True), key("pk")),
            "newest": (key("submitted_at").desc(), key("pk").desc()),
            "oldest": (key("submitted_at"), key("pk")),
        }[sort]
    )


def _sorted_key(column: str) -> ExpressionWrapper:
    """``column`` as an order no index has (``column + 0``), for a small scope (a commissioner's, an
    enterprise's: a few hundred requests of the million): PostgreSQL reads the scope's rows and sorts them.
    Asked for 25 rows in the order of an index of the whole table, it walked that index and filtered the
    scope's rows on the way, since a page among 835 expected rows looked near: a commissioner's 全部 read
    the million entries of the deadline index for 531 requests (460 ms), 已办结 newest first 52,000 of the
    submission index (150 ms)."""
    if column == "pk":
        return ExpressionWrapper(F(column) + Value(0), output_field=IntegerField())
    return ExpressionWrapper(F(column) + Value(timedelta(0)), output_field=DateTimeField())


# The columns a row reads, and no more: a request has some 45, fifteen of them dates, and building 50 of them
# with their enterprises, categories, regions, tasks and departments as model instances was most of a page's
# Python time. What reads them: the row itself (issues/views/rows.py), its badges
# (issues/templatetags/issues_tags.py), the running deadline and "overdue" (issues/deadlines.py) and the
# quick actions' rules (issues/permissions.py). A column missing here is read with one query per row:
# issues/tests/test_row_columns.py fails on the first such read. The names of the enterprise, category,
# region and department come as annotations of the row (the same joins, no instance each).
REQUEST_ROW_FIELDS = (
    "version",
    "title",
    "source",
    "status",
    "submitted_at",  # the reference, the submission time
    "assign_due_at",
    "answer_due_at",
    "assigned_at",
    "answered_on_time",
    "enterprise",  # the rules: members and pairings are of the enterprise
    "region",  # the policy's reminder lead time
    "commissioner",  # the rules: the responsible commissioner
    "lead_department",  # the rules: the lead handler may ask for information
    "handled_directly",  # the rules: the commissioner who took it on answers
    "created_by",  # the rules: the system that filed it evaluates
    "co_opinion_due_at",  # the rules: the lead answers once the co-handlers' opinions are in
)
TASK_ROW_FIELDS = ("version", "role", "status", "answer_due_at", "department", "request")


def _names(to_request: str = "", region: bool = False) -> dict[str, F]:
    """The names a request row shows, as annotations (``to_request`` "request__" from a task row)."""
    names = {
        "enterprise_name": F(f"{to_request}enterprise__name"),
        "category_name": F(f"{to_request}category__name"),
        "category_name_en": F(f"{to_request}category__name_en"),
    }
    if region:
        names["region_name"] = F(f"{to_request}region__name")
    return names


def with_relations(spec: ListSpec, qs: QuerySet) -> QuerySet:
    """What a row shows, fetched for the whole page in a fixed number of queries (only the columns it reads)."""
    if spec.over_dispatches:
        waiting = Extension.objects.filter(dispatch=OuterRef("pk"), status=ExtensionStatus.PENDING)
        return (
            qs.select_related("request")
            .only(*TASK_ROW_FIELDS, *(f"request__{field}" for field in REQUEST_ROW_FIELDS))
            .annotate(extension_waiting=Exists(waiting), department_name=F("department__name"), **_names("request__"))
        )
    # only what the row shows: every join more costs PostgreSQL planning time (a left join the most)
    # (the commissioners' and supervisors' rows get their live tasks from attach_live_tasks)
    return qs.only(*REQUEST_ROW_FIELDS).annotate(**_names(region=spec.kind == SUPERVISOR))


# Up to this many running rows (the 待办 count under the filters), 全部's running part reads them from the scope's
# live index and sorts them; from this many, walking the deadline index finds a page among its first entries
# (PagedByIds)
RUNNING_WALK_FROM = 500


class PagedByIds:
    """A large scope's rows for the paginator: a page is found first as the ids of its rows (the scope's
    indexes, the order, LIMIT / OFFSET), and only those rows are read with their names. In one query the
    names were joined to every row the order reads before the limit: a city's 1,300 overdue requests, each
    with its enterprise, region and category, for a page of 50 (12 ms against 6 ms); a department's 300
    tasks matching a search, each with its request, enterprise and category (14 ms against 7 ms).
    The paginator is given the count (``tab_counts``), so only slices are asked.

    ``timed``: on 全部 most urgent first, how many of the rows have a running deadline (the 待办 count). The
    order puts them first, by deadline, and the rest after them by id, so a page is found in each part on
    its own: the running rows, then the others in id order. In one query PostgreSQL walked the deadline
    index of the whole province into the requests without one: a district's page of a text search read
    most of the province's requests (550 ms; now 13 ms). Few running rows (fewer than RUNNING_WALK_FROM:
    a city's search) are read from the scope's live index and sorted (7 ms, where the walk read 4,000
    entries of the province's deadline index for 50: 14–27 ms); many (a city's 全部, a province's search)
    are found in the first entries of that walk (2–4 ms, where reading and sorting a province's live
    rows took 35). ``live``: the live rows asked another way (``tab_counts``' ``live_rows``), which the few
    running ones are read from: a city's 204 live matches of a common pair from the live grams index, not its
    3,446 live requests compared one by one (1.6 ms against 7.4)."""

    def __init__(
        self,
        spec: ListSpec,
        rows: QuerySet,
        sort: str,
        tab: str,
        timed: int | None = None,
        live: QuerySet | None = None,
    ):
        self.spec, self.rows, self.sort, self.tab, self.timed, self.live = spec, rows, sort, tab, timed, live

    def __getitem__(self, key: slice) -> QuerySet:
        return with_relations(
            self.spec, ordered(self.spec, self.rows.model.objects.filter(pk__in=self._ids(key)), self.sort, self.tab)
        )

    def _ids(self, key: slice):
        if self.timed is None:
            return self.rows.values("pk")[key]
        start, stop, timed = key.start or 0, key.stop, self.timed
        if timed < RUNNING_WALK_FROM:
            # the live states as well, as the predicate of the scope's live index (req_live_region) names
            # them: PostgreSQL reads the scope's live entries and sorts the running ones. With the open
            # states only, or none, it walked the province's open requests (on (status, current_due_at) or
            # the deadline index) for a city's search: 27 ms against 7. The running deadline is asked as a
            # CASE: as a plain condition, (status, current_due_at) could take it with the live states, and
            # with a text search's matches estimated at a few rows PostgreSQL chose that index of the whole
            # province after one statistics sample in two (13,619 buffers, 60 ms, against 2,900)
            live = self.rows.filter(status__in=LIVE_STATUSES) if self.live is None else self.live
            running = ordered(self.spec, live, self.sort, self.tab).filter(opaque(Q(current_due_at__isnull=False)))
        else:
            running = self.rows.filter(current_due_at__isnull=False)
        running = running.values("pk")
        rest = self.rows.filter(current_due_at__isnull=True).order_by("pk").values("pk")
        if stop <= timed:
            return running[start:stop]
        if start >= timed:
            return rest[start - timed : stop - timed]
        # the page where the running rows end: the last of them, then the first of the others
        return [
            *running.values_list("pk", flat=True)[start:],
            *rest.values_list("pk", flat=True)[: stop - timed],
        ]


def page_needs_counts(spec: ListSpec, tab: str, sort: str) -> bool:
    """Whether ``page_rows`` is given the 待办 count: 全部 most urgent first of a large scope of requests."""
    return spec.large and not spec.over_dispatches and tab == "all" and sort == "urgency"


def tab_left_empty(spec: ListSpec, tab: str, live_only: bool) -> bool:
    """Whether a large scope's tab is known to be empty without counting it: with filters that keep live
    rows only (``live_only``), 已办结 and 已撤回 (``tab_counts`` counts them as 0; the page reads no rows)."""
    return live_only and spec.large and not spec.over_dispatches and tab in (Status.CLOSED, Status.WITHDRAWN)


def page_rows(
    spec: ListSpec,
    rows: QuerySet,
    sort: str,
    tab: str,
    timed: int | None = None,
    live_rows: QuerySet | None = None,
    every_request: bool = False,
):
    """What the list's paginator slices: the ordered rows with their names, or for a large scope
    ``PagedByIds`` (given the 待办 count on 全部 most urgent first, ``timed``: from ``tab_counts``, or for the
    first page ``running_count``, and the live rows asked another way, ``live_rows``, and whether they are
    ``every_request``, as ``tab_counts`` takes them)."""
    in_order = ordered(spec, rows, sort, tab, every_request)
    if not spec.large:
        return with_relations(spec, in_order)
    if timed is None or not page_needs_counts(spec, tab, sort):
        return PagedByIds(spec, in_order, sort, tab)
    return PagedByIds(spec, in_order, sort, tab, timed=timed, live=live_rows)


@dataclass
class LiveTask:
    """A live (not cancelled) task of a request row: what the row shows of it and its actions' rules read."""

    role: str
    status: str
    department_name: str
    department_short_name: str
    status_label: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPATCH_STATUSES


def attach_live_tasks(rows) -> None:
    """Each request row's live tasks as ``row.live_dispatches``, in dispatch order, in one query for the page
    (plain values: a prefetch of Dispatch and Department instances cost twice the time)."""
    by_request = {}
    for row in rows:
        row.live_dispatches = by_request[row.pk] = []
    if not by_request:
        return
    tasks = (
        Dispatch.objects.filter(request_id__any=list(by_request))
        .exclude(status=DispatchStatus.CANCELLED)
        .order_by("dispatched_at", "pk")
        .values_list("request_id", "role", "status", "department__name", "department__short_name")
    )
    for request_id, *task in tasks:
        by_request[request_id].append(LiveTask(*task))
