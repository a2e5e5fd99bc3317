"""Read queries of supervision. Every list, figure and export starts from ``supervised_requests``,
which starts from ``issues.selectors.request_visible_to`` and narrows it to the supervisor's regions."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from issues.deadlines import answer_overdue_q
from issues.models import OPEN_STATUSES, Card, Category, CloseReason, Request, Status, Verdict
from issues.selectors import request_visible_to
from knowledge.models import Entry, Kind
from knowledge.selectors import entry_visible_to
from portal.orgs.models import Department, Industry, Region
from portal.orgs.selectors import region_scope_for

from .forms import Filters
from .metrics import (
    LIVE,
    METRICS,
    PREFIX,
    RECEIVED,
    STAT_COLUMNS,
    stored_expressions,
    unprefixed,
    with_averages,
    with_rates,
)
from .models import GRAIN_KEYS, BigScreenToken, DailyStat, Grain, MonthlyStat, RankingSnapshot, ReturnVisit, StatKey


class Scope:
    """A supervisor's regions, read once per page."""

    def __init__(self, regions: list[Region]):
        self.regions = sorted(regions, key=lambda r: r.path)
        self.ids = {r.pk for r in self.regions}
        self.by_id = {r.pk: r for r in self.regions}
        self.roots = [r for r in self.regions if r.parent_id not in self.ids]

    @classmethod
    def of(cls, user) -> "Scope":
        return cls(list(region_scope_for(user).only("pk", "code", "name", "path", "parent_id", "level", "sort_order")))

    @classmethod
    def of_region(cls, region: Region) -> "Scope":
        return cls(
            list(Region.objects.subtree(region).only("pk", "code", "name", "path", "parent_id", "level", "sort_order"))
        )

    def __bool__(self) -> bool:
        return bool(self.regions)

    def contains(self, region: Region) -> bool:
        return region.pk in self.ids

    def groups(self, focus: Region | None) -> list[Region]:
        """The regions the by-region chart shows: the children of the focus (or of the single root)."""
        if focus is None:
            if len(self.roots) != 1:
                return self.roots
            focus = self.roots[0]
        children = [r for r in self.regions if r.parent_id == focus.pk]
        return sorted(children, key=lambda r: (r.sort_order, r.code)) or [focus]

    def group_of(self, region_id: int, groups: list[Region]) -> Region | None:
        region = self.by_id.get(region_id)
        if region is None:
            return None
        for group in groups:
            if region.path.startswith(group.path):
                return group
        return None

    def group_case(self, groups: list[Region]) -> Case:
        """``group_of`` as an SQL expression on ``region_id``: the group's id, or NULL outside every
        group, so the by-region chart is summed in the database."""
        whens = [
            When(region_id__in=[r.pk for r in self.regions if r.path.startswith(g.path)], then=Value(g.pk))
            for g in groups
        ]
        return Case(*whens, default=Value(None), output_field=IntegerField())


def supervised_requests(
    user, filters: Filters | None = None, *, scope: Scope | None = None, by_period: bool = True
) -> QuerySet[Request]:
    """Requests inside the supervisor's regions, narrowed by the filters (period = submission date)."""
    qs = request_visible_to(user)
    if scope is not None:
        qs = qs.filter(region_id__in=list(scope.ids) or [0])
    else:
        qs = qs.filter(region__in=region_scope_for(user))
    if filters is None:
        return qs
    if by_period:
        qs = qs.filter(submitted_at__gte=filters.start_at, submitted_at__lt=filters.end_before)
    if filters.region is not None:
        if scope is not None:
            qs = qs.filter(region_id__in=[r.pk for r in scope.regions if r.path.startswith(filters.region.path)])
        else:
            qs = qs.filter(region__path__startswith=filters.region.path)
    if filters.department is not None:
        qs = qs.filter(lead_department=filters.department)
    if filters.category is not None:
        qs = qs.filter(category=filters.category)
    if filters.industry:
        qs = qs.filter(enterprise__industry=filters.industry)
    if filters.source:
        qs = qs.filter(source=filters.source)
    return qs


@dataclass(frozen=True)
class Dashboard:
    figures: dict
    charts: dict


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _stat_parts(filters: Filters, weekly: bool) -> list[tuple[type[StatKey], list[tuple[date, date]]]]:
    """(aggregate table, day ranges [first, after)) pairs that together cover the period exactly once:
    the whole months inside it from MonthlyStat, the days before and after them from DailyStat (only
    days for a weekly trend). Empty ranges are left out, so no index is searched for nothing."""
    after_end = filters.end + timedelta(days=1)
    first_month = filters.start if filters.start.day == 1 else _next_month(filters.start)
    months_end = first_month  # the day after the last whole month
    while not weekly and _next_month(months_end) <= after_end:
        months_end = _next_month(months_end)
    if months_end == first_month:
        return [(DailyStat, [(filters.start, after_end)])]
    days = [(lo, hi) for lo, hi in ((filters.start, first_month), (months_end, after_end)) if lo < hi]
    return [(MonthlyStat, [(first_month, months_end)])] + ([(DailyStat, days)] if days else [])


def _stat_rows_sql(filters: Filters, scope: Scope, weekly: bool, grain: int, columns: list[str]) -> tuple[str, list]:
    """One ``SELECT … UNION ALL SELECT …`` of the aggregate rows of ``grain`` in the period and filters:
    the grain's keys (``region_id`` and ``category_id`` or ``lead_department_id``), the trend bucket
    ``c_bucket`` and ``columns``, all of them in the grain's partial index, so PostgreSQL reads the rows
    from the index alone. A source or industry filter is never read from the aggregate tables (``_grain_for``).

    Written as SQL, not built with the ORM: the dashboard's figures sum 21 columns in each of several
    groupings, and building and compiling those expressions cost more than the database's work."""
    region_ids = [r.pk for r in scope.regions if filters.region is None or r.path.startswith(filters.region.path)]
    selects, params = [], []
    for model, ranges in _stat_parts(filters, weekly):
        period = "month" if model is MonthlyStat else "day"
        if model is MonthlyStat:
            bucket, bucket_params = _q(period), ()
        else:
            bucket, bucket_params = connection.ops.date_trunc_sql("week" if weekly else "month", _q(period), ())
        where = [f"{_q('grain')} = %s", f"{_q('region_id')} IN ({', '.join(['%s'] * len(region_ids or [0]))})"]
        params += [*bucket_params, grain, *(region_ids or [0])]
        if filters.department is not None:
            where.append(f"{_q('lead_department_id')} = %s")
            params.append(filters.department.pk)
        if filters.category is not None:
            where.append(f"{_q('category_id')} = %s")
            params.append(filters.category.pk)
        where.append("(" + " OR ".join(f"({_q(period)} >= %s AND {_q(period)} < %s)" for _range in ranges) + ")")
        params += [connection.ops.adapt_datefield_value(day) for day_range in ranges for day in day_range]
        keys = ", ".join(_q(c) for c in GRAIN_KEYS[grain])  # what the grain's covering index holds
        selects.append(
            f"SELECT {keys}, {bucket} AS {_q('c_bucket')}, {', '.join(_q(c) for c in columns)} "
            f"FROM {_q(model._meta.db_table)} WHERE {' AND '.join(where)}"
        )
    return " UNION ALL ".join(selects), params


def _fetch(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _as_day(value) -> date | None:
    """A trend bucket as a date, however the database returns it (a date, a timestamp, or text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


# how each stored column's sum is read back: the model field's type, as the ORM's Sum converts it
_READ_AS = {
    column: float if StatKey._meta.get_field(column).get_internal_type() == "FloatField" else int
    for column in STAT_COLUMNS
}


_CAST_NULL = {int: "CAST(NULL AS bigint)", float: "CAST(NULL AS double precision)"}
TWO = ("received", "resolved")  # what the trend, the region bars and the department chart draw


def _grain_for(filters: Filters) -> tuple[int | None, int | None]:
    """The stored grains that keep every dimension the filters need: for the figures and the trend,
    category and region charts, and for the department chart. None: no stored grain keeps them (a
    department, source or industry filter), and the requests themselves are counted."""
    grain = None if (filters.department is not None or filters.source or filters.industry) else Grain.SUMMARY
    department_grain = None if (filters.category or filters.industry or filters.source) else Grain.DEPARTMENTS
    return grain, department_grain


CATEGORY_CHART, TREND_CHART, REGION_CHART, DEPARTMENT_CHART = 0, 1, 2, 3


def _stored_charts(
    filters: Filters, scope: Scope, weekly: bool, groups: list[Region], *, summary: bool, departments: bool
) -> tuple[list[dict], list[dict]]:
    """The charts' rows summed from the stored grains, in one query: the rows of the region × category
    grain in the period (``summary``) are read once, in a ``WITH`` the database groups three ways — per
    category (with the category's name and order: the figures), per trend bucket, per region bar —
    and the rows of the region × department grain (``departments``) per department. Returns the
    three charts' rows (as ``_request_cube`` does) and the department rows (as ``_request_departments``
    does)."""
    ctes, params, blocks, block_params = [], [], [], []
    no_int, no_date, no_text = "CAST(NULL AS integer)", "CAST(NULL AS date)", "CAST(NULL AS varchar)"
    # the trend, the region bars and the departments draw received and resolved only: the other
    # columns stay empty
    two = ", ".join(
        f"{f'SUM(r.{_q(c)})' if c in TWO else _CAST_NULL[_READ_AS[c]]} AS {_q(PREFIX + c)}" for c in STAT_COLUMNS
    )
    if summary:
        rows, rows_params = _stat_rows_sql(filters, scope, weekly, Grain.SUMMARY, list(STAT_COLUMNS))
        ctes.append(f"summary_ AS ({rows})")
        params += rows_params
        sums = ", ".join(f"SUM(r.{_q(c)}) AS {_q(PREFIX + c)}" for c in STAT_COLUMNS)
        whens = []
        for group in groups:
            ids = [r.pk for r in scope.regions if r.path.startswith(group.path)]
            if ids:
                whens.append(f"WHEN r.{_q('region_id')} IN ({', '.join(['%s'] * len(ids))}) THEN %s")
                block_params += [*ids, group.pk]
        bar = f"CASE {' '.join(whens)} ELSE NULL END" if whens else no_int
        category, key = _q(Category._meta.db_table), _q("category_id")
        blocks += [
            # summed per category first, then joined to the few categories for their name and order
            f"SELECT {CATEGORY_CHART} AS chart, s.{key} AS c_key, {no_date} AS c_bucket, c.{_q('name')} AS c_name, "
            f"c.{_q('sort_order')} AS c_order, {', '.join(f's.{_q(PREFIX + c)}' for c in STAT_COLUMNS)} "
            f"FROM (SELECT r.{key}, {sums} FROM summary_ r GROUP BY r.{key}) s "
            f"LEFT OUTER JOIN {category} c ON s.{key} = c.{_q('id')}",
            f"SELECT {TREND_CHART}, {no_int}, r.{_q('c_bucket')}, {no_text}, {no_int}, {two} "
            "FROM summary_ r GROUP BY 3",
            f"SELECT {REGION_CHART}, {bar}, {no_date}, {no_text}, {no_int}, {two} FROM summary_ r GROUP BY 2",
        ]
    if departments:
        rows, rows_params = _stat_rows_sql(filters, scope, weekly, Grain.DEPARTMENTS, list(TWO))
        ctes.append(f"departments_ AS ({rows})")
        params += rows_params
        department, key = _q(Department._meta.db_table), _q("lead_department_id")
        columns = ", ".join(
            f"s.{_q(PREFIX + c)}" if c in TWO else f"{_CAST_NULL[_READ_AS[c]]} AS {_q(PREFIX + c)}"
            for c in STAT_COLUMNS
        )
        per_key = ", ".join(f"SUM(r.{_q(c)}) AS {_q(PREFIX + c)}" for c in TWO)
        blocks.append(
            f"SELECT {DEPARTMENT_CHART} AS chart, s.{key} AS c_key, {no_date} AS c_bucket, d.{_q('name')} AS c_name, "
            f"{no_int} AS c_order, {columns} "
            f"FROM (SELECT r.{key}, {per_key} FROM departments_ r WHERE r.{key} IS NOT NULL GROUP BY r.{key}) s "
            f"INNER JOIN {department} d ON s.{key} = d.{_q('id')}"
        )
    if not blocks:
        return [], []
    if connection.features.supports_parentheses_in_compound:
        blocks = [f"({block})" for block in blocks]
    cube, per_department = [], []
    for row in _fetch(f"WITH {', '.join(ctes)} {' UNION ALL '.join(blocks)}", params + block_params):
        for column, read_as in _READ_AS.items():
            value = row[PREFIX + column]
            row[PREFIX + column] = None if value is None else read_as(value)
        if row["chart"] == DEPARTMENT_CHART:
            per_department.append(
                {
                    "lead_department_id": row["c_key"],
                    "lead_department__name": row["c_name"],
                    "n_received": row[PREFIX + "received"],
                    "n_resolved": row[PREFIX + "resolved"],
                }
            )
        else:
            row["c_bucket"] = _as_day(row["c_bucket"])
            cube.append(row)
    return cube, per_department


def _request_cube(base: QuerySet, weekly: bool, bar: Case, now: datetime) -> list[dict]:
    """The charts' rows counted from the requests themselves, for filters no stored grain keeps: one
    query grouped by category, trend bucket and region group (at most categories × buckets × groups
    rows), each row then split into the rows of the three charts."""
    bucket = (TruncWeek if weekly else TruncMonth)(
        "submitted_at", output_field=DateField(), tzinfo=timezone.get_default_timezone()
    )
    grouped = (
        base.order_by()
        .values(
            c_category=F("category_id"),
            c_name=F("category__name"),
            c_order=F("category__sort_order"),
            c_bucket=bucket,
            c_group=bar,
        )
        .annotate(**stored_expressions(now))
    )
    cube = []
    for row in grouped:
        sums = {key: value for key, value in row.items() if key.startswith(PREFIX)}
        cube.append(
            {"chart": CATEGORY_CHART, "c_key": row["c_category"], "c_name": row["c_name"], "c_order": row["c_order"]}
            | sums
        )
        cube.append({"chart": TREND_CHART, "c_bucket": row["c_bucket"]} | sums)
        cube.append({"chart": REGION_CHART, "c_key": row["c_group"]} | sums)
    return cube


def _request_departments(base: QuerySet, now: datetime) -> list[dict]:
    """The department chart counted from the requests themselves (a category, source or industry filter)."""
    return list(
        base.filter(lead_department__isnull=False)
        .order_by()
        .values("lead_department_id", "lead_department__name")
        .annotate(
            n_received=Count("pk", filter=METRICS["received"].q(now)),
            n_resolved=Count("pk", filter=METRICS["resolved"].q(now)),
        )
    )


def _merged(rows: list[dict], key: str) -> dict:
    """Received and resolved per key over the parts of the period (a key may come from months and days)."""
    merged: dict = {}
    for row in rows:
        entry = merged.setdefault(row[key], [0, 0])
        entry[0] += row["n_received"] or 0
        entry[1] += row["n_resolved"] or 0
    return merged


def dashboard_for(base: QuerySet, filters: Filters, scope: Scope, now: datetime) -> Dashboard:
    """Every figure and chart of the dashboard.

    The stored figures and the charts are summed from the aggregate tables (as of their last refresh);
    open and overdue are counted live from ``base``, the requests behind the figures. Each chart is
    grouped in the database to the few rows it draws, so the page reads a few dozen rows however many
    regions, categories and months the period holds. A fixed number of queries: the figures per
    category, the trend, the regions, the departments (each one ``UNION ALL`` of whole months and
    loose days) and the live count."""
    weekly = (filters.end - filters.start).days <= 92
    grain, department_grain = _grain_for(filters)
    groups = scope.groups(filters.region)
    cube, per_department = _stored_charts(
        filters, scope, weekly, groups, summary=grain is not None, departments=department_grain is not None
    )
    if grain is None:
        cube = _request_cube(base, weekly, scope.group_case(groups), now)
    if department_grain is None:
        per_department = _request_departments(base, now)
    live = live_figures(base, now)

    figures = dict.fromkeys(STAT_COLUMNS, 0)
    figures.update(unprefixed(live))
    categories: dict = {}
    trend: dict = {}
    by_group: dict = {}
    for row in cube:
        received, resolved = row[PREFIX + "received"] or 0, row[PREFIX + "resolved"] or 0
        if row["chart"] == CATEGORY_CHART:
            for column in STAT_COLUMNS:
                figures[column] += row[PREFIX + column] or 0
            entry = categories.setdefault(
                row["c_key"], {"name": row["c_name"], "order": row["c_order"] or 0, "received": 0, "resolved": 0}
            )
            entry["received"] += received
            entry["resolved"] += resolved
        else:
            table, key = (trend, row["c_bucket"]) if row["chart"] == TREND_CHART else (by_group, row["c_key"])
            entry = table.setdefault(key, [0, 0])
            entry[0] += received
            entry[1] += resolved
    departments = _merged(per_department, "lead_department_id")
    department_names = {row["lead_department_id"]: row["lead_department__name"] for row in per_department}
    # every department that led requests in the period (district bureaus too), most requests first
    top_departments = sorted(
        (
            {"id": pk, "name": department_names[pk], "received": received, "resolved": resolved}
            for pk, (received, resolved) in departments.items()
            if received
        ),
        key=lambda d: (-d["received"], d["name"] or ""),
    )

    def fmt(day):
        return f"{day:%m-%d}" if weekly else f"{day:%Y-%m}"

    # a bucket or category shows once requests were received or resolved in it
    trend_keys = sorted(key for key, (received, resolved) in trend.items() if received or resolved)
    shown_categories = [(pk, c) for pk, c in categories.items() if c["received"] or c["resolved"]]
    charts = {
        "trend": {
            "labels": [fmt(k) for k in trend_keys],
            "received": [trend[k][0] for k in trend_keys],
            "resolved": [trend[k][1] for k in trend_keys],
            "weekly": weekly,
            # the last bucket is still running (the period ends today): the chart marks it as partial
            "partial": bool(trend_keys) and filters.end >= now_local_day(now) and not _bucket_done(filters, weekly),
        },
        "category": [
            {"id": pk, "name": c["name"] or "?", "received": c["received"], "resolved": c["resolved"]}
            for pk, c in sorted(
                shown_categories, key=lambda item: (-item[1]["received"], item[1]["order"], item[0] or 0)
            )
        ],
        "region": [
            {
                "id": g.pk,
                "name": g.name,
                "received": by_group.get(g.pk, (0, 0))[0],
                "resolved": by_group.get(g.pk, (0, 0))[1],
            }
            for g in groups
        ],
        "department": top_departments,
    }
    return Dashboard(figures=with_rates(with_averages(figures)), charts=charts)


def live_figures(base: QuerySet, now: datetime) -> dict:
    """Open and overdue, counted from the requests. Every overdue request is open (both clocks run only
    in open statuses: issues/deadlines.py), so the count reads only the open requests of the scope and
    period: on PostgreSQL from the partial index ``req_open_region_submitted`` alone, which carries every
    column the two conditions test."""
    live_q = {name: METRICS[name].q(now) for name in LIVE}
    return (
        base.filter(status__in=OPEN_STATUSES)
        .order_by()
        .aggregate(**{PREFIX + name: Count("pk", filter=q) for name, q in live_q.items()})
    )


def now_local_day(now: datetime) -> date:
    return timezone.localtime(now, timezone.get_default_timezone()).date()


def _bucket_done(filters: Filters, weekly: bool) -> bool:
    """Whether the period's last trend bucket (week or month) ends on the period's last day."""
    if weekly:
        return filters.end.weekday() == 6
    return (filters.end + timedelta(days=1)).day == 1


def drill_requests(base: QuerySet, metric: str, now: datetime) -> QuerySet[Request]:
    return (
        base.filter(METRICS[metric].q(now))
        .select_related("enterprise", "region", "category", "lead_department", "commissioner")
        .order_by("-submitted_at", "-pk")
    )


# ---------------------------------------------------------------------------------------------
# accountability (追责问责) and return visits (回访)


def accountability_q(now: datetime) -> Q:
    """Missed the answer deadline: answered late, or past it with the answer clock running (not while
    paused in 待补充: issues/deadlines.py)."""
    return Q(answered_on_time=False) | answer_overdue_q(now)


def accountability_requests(base: QuerySet, now: datetime) -> QuerySet[Request]:
    cards = Card.objects.filter(request=OuterRef("pk"), revoked_at__isnull=True)
    return (
        base.filter(accountability_q(now))
        .select_related("enterprise", "region", "category", "lead_department", "commissioner")
        .annotate(yellow=Exists(cards.filter(kind="yellow")), red=Exists(cards.filter(kind="red")))
        .prefetch_related("extensions")
        .order_by("answer_due_at", "pk")
    )


def lateness(req: Request, now: datetime):
    """How late the answer was (or is): a timedelta."""
    end = req.answered_at or now
    return max(end - req.answer_due_at, end - end)


def return_visit_q() -> Q:
    """Closed without an evaluation, or rejected as dissatisfied at least once before closing. A request
    whose last verdict is 不满意 stays one even when it was closed unevaluated after a new answer."""
    return Q(status=Status.CLOSED) & (
        Q(close_reason=CloseReason.NOT_EVALUATED) | Q(reopen_count__gt=0) | Q(verdict=Verdict.DISSATISFIED)
    )


def return_visit_done_q() -> Q:
    """The return visit is finished: a call reached the enterprise (an unanswered call leaves it to do)."""
    reached = ReturnVisit.objects.filter(request=OuterRef("pk")).exclude(outcome=ReturnVisit.Outcome.UNREACHABLE)
    return Q(Exists(reached))


def return_visit_requests(base: QuerySet, *, done: bool = False) -> QuerySet[Request]:
    """Requests to call back (``done``: those already called back), newest closure first."""
    qs = base.filter(return_visit_q())
    qs = qs.filter(return_visit_done_q()) if done else qs.exclude(return_visit_done_q())
    return (
        qs.select_related("enterprise", "region", "category", "lead_department", "commissioner")
        .annotate(last_call=Max("return_visits__called_at"), calls=Count("return_visits"))
        .order_by("-closed_at", "-pk")
    )


def return_visits_of(req: Request) -> QuerySet[ReturnVisit]:
    return req.return_visits.select_related("supervisor")


# ---------------------------------------------------------------------------------------------
# common requests (共性诉求)


def district_of(region_id: int, scope: Scope) -> Region | None:
    """The district-level (or the scope root's child) ancestor that groups common requests."""
    region = scope.by_id.get(region_id)
    if region is None:
        return None
    for candidate in scope.regions:
        if candidate.level != Region.Level.CITY and region.path.startswith(candidate.path):
            return candidate
    return region


def common_request_groups(user, filters: Filters, scope: Scope, *, minimum: int = 2) -> list[dict]:
    """Requests of the period grouped by category × industry × district, largest first, with the
    equally long period before it for the trend."""
    span = filters.end - filters.start + timedelta(days=1)
    earlier = replace(filters, start=filters.start - span, end=filters.start - timedelta(days=1))

    def grouped(f: Filters) -> dict[tuple, int]:
        counts: dict[tuple, int] = defaultdict(int)
        rows = (
            supervised_requests(user, f, scope=scope)
            .filter(RECEIVED)
            .order_by()
            .values("category_id", "enterprise__industry", "region_id")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            district = district_of(row["region_id"], scope)
            if district is not None:
                counts[(row["category_id"], row["enterprise__industry"], district.pk)] += row["n"]
        return counts

    current = grouped(filters)
    if not current:
        return []
    previous = grouped(earlier)
    categories = {c.pk: c for c in Category.objects.all()}
    industries = dict(Industry.choices)
    issues = {
        (i.category_id, i.industry, i.region_id): i
        for i in Entry.objects.filter(common_group=True, region_id__in={key[2] for key in current})
    }
    result = []
    for key, n in current.items():
        if n < minimum:
            continue
        category_id, industry, region_id = key
        result.append(
            {
                "category": categories.get(category_id),
                "industry": industry,
                "industry_label": industries.get(industry, industry),
                "region": scope.by_id[region_id],
                "count": n,
                "previous": previous.get(key, 0),
                "trend": n - previous.get(key, 0),
                "issue": issues.get(key),
            }
        )
    result.sort(key=lambda g: (-g["count"], g["region"].path))
    return result


def standard_answers_for(user) -> QuerySet[Entry]:
    """Standard answers (快解快答), kept in the knowledge base, are for every signed-in user: commissioners
    reuse them, enterprises read them."""
    return (
        entry_visible_to(user)
        .published()
        .filter(kind=Kind.ANSWER)
        .select_related("category", "region")
        .order_by("category__sort_order", "-updated_at")
    )


# ---------------------------------------------------------------------------------------------
# rankings and big screen


def published_snapshots(kind: str | None = None) -> QuerySet[RankingSnapshot]:
    qs = RankingSnapshot.objects.filter(published_at__isnull=False)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def latest_published(month: date, kind: str) -> RankingSnapshot | None:
    return published_snapshots(kind).filter(month=month).order_by("-version").first()


def tokens_of(user) -> QuerySet[BigScreenToken]:
    return BigScreenToken.objects.filter(region__in=region_scope_for(user)).select_related("region", "created_by")


def active_token(token: str) -> BigScreenToken | None:
    return BigScreenToken.objects.select_related("region").filter(token=token, revoked_at__isnull=True).first()
