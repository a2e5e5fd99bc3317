"""The monthly ranking of units (一月一晒绩): figures per unit and the composite score."""

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from issues.filters import EARLIEST_DATE, LATEST_DATE
from issues.models import Card, CardKind, Request
from portal.orgs.models import Department, DepartmentMembership, Region

from .metrics import PREFIX, aggregate_expressions, exact_ratio, half_up, unprefixed
from .models import RankingWeights, UnitKind
from .project_board import project_service_by_region

MEASURES = (
    "received",
    "resolved",
    "dispatched_on_time",
    "dispatch_due",
    "answered_on_time",
    "answer_due",
    "evaluated",
)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first moment of the month, first moment of the next) in local time; ValueError for a month outside
    the years filters accept (a month near year 9999 would overflow)."""
    if not EARLIEST_DATE.year <= month.year <= LATEST_DATE.year:
        raise ValueError(f"month {month:%Y-%m} is outside {EARLIEST_DATE.year}-{LATEST_DATE.year}")
    start = month.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(following, time.min), tz),
    )


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def composite_score(row: dict, weights: RankingWeights) -> Decimal:
    """Weighted mean of the rates that exist (0–100), minus points per card (each card counts).

    Give it the unrounded rates: the score is weighted first and rounded (half up) once, at the end."""
    parts = [
        (weights.on_time_dispatch, row["on_time_dispatch_rate"]),
        (weights.on_time_answer, row["on_time_answer_rate"]),
        (weights.resolution, row["resolution_rate"]),
        (weights.satisfaction, row["satisfaction"]),
        (weights.project_service, row.get("project_service")),
    ]
    used = [(Decimal(w), Decimal(str(v))) for w, v in parts if v is not None and w]
    total_weight = sum((w for w, _ in used), Decimal(0))
    score = sum((w * v for w, v in used), Decimal(0)) / total_weight if total_weight else Decimal(0)
    score -= weights.yellow_card_penalty * row["yellow_cards"] + weights.red_card_penalty * row["red_cards"]
    return score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _grouped(qs: QuerySet, key: str, now: datetime) -> dict:
    exprs = aggregate_expressions(now)
    exprs = {PREFIX + name: exprs[PREFIX + name] for name in (*MEASURES, "satisfaction")}
    rows = (unprefixed(row) for row in qs.order_by().values(key).annotate(**exprs))
    return {row.pop(key): row for row in rows}


def _add(into: dict, row: dict) -> None:
    for name in MEASURES:
        into[name] = into.get(name, 0) + row[name]
    if row["satisfaction"] is not None:
        into["score_sum"] = into.get("score_sum", Decimal(0)) + Decimal(str(row["satisfaction"])) * row["evaluated"]


def _cards(qs: QuerySet, key: str) -> dict:
    """Cards not revoked on the month's requests, counted per card (two red cards are two) and grouped by
    the card's own ``key`` (``unit_id``: the unit the card was issued to; ``region_id``), never by the
    request's lead department. {key value: {"yellow": n, "red": n}}"""
    counts: dict = {}
    rows = (
        Card.objects.filter(request__in=qs.order_by().values("pk"), revoked_at__isnull=True)
        .order_by()
        .values(key, "kind")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts.setdefault(row[key], {CardKind.YELLOW: 0, CardKind.RED: 0})[row["kind"]] = row["n"]
    return counts


def _charge(unit: dict, cards: dict | None) -> None:
    if cards:
        unit["yellow_cards"] = unit.get("yellow_cards", 0) + cards[CardKind.YELLOW]
        unit["red_cards"] = unit.get("red_cards", 0) + cards[CardKind.RED]


def ranking_rows(
    kind: str,
    month: date,
    *,
    regions: QuerySet[Region] | None = None,
    weights: RankingWeights | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """One row per unit with requests submitted in the month, best score first, ranks assigned.

    ``regions`` narrows the units and the requests counted to a supervisor's scope (drafts); published
    snapshots cover the city."""
    weights = weights or RankingWeights.current()
    start, end = month_bounds(month)
    now = now or timezone.now()
    qs = Request.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    if regions is not None:
        # A draft counts only requests in the supervisor's scope, also for a department or commissioner unit
        # in scope that handles requests from elsewhere (a Kuiwen bureau leading a Fangzi request).
        qs = qs.filter(region_id__in=regions.values("pk"))
    region_list = list(
        (regions if regions is not None else Region.objects.all()).only("pk", "name", "path", "level", "parent_id")
    )
    units: dict = {}
    if kind == UnitKind.REGION:
        districts = [r for r in region_list if r.level == Region.Level.DISTRICT]
        paths = {r.pk: r.path for r in Region.objects.only("pk", "path")}

        def district_of(region_id):
            path = paths.get(region_id, "")
            return next((d for d in districts if path.startswith(d.path)), None)

        for region_id, row in _grouped(qs, "region_id", now).items():
            district = district_of(region_id)
            if district is None:
                continue
            unit = units.setdefault(district.pk, {"unit_name": district.name, "region": district, "department": None})
            _add(unit, row)
        for region_id, cards in _cards(qs, "region_id").items():
            district = district_of(region_id)
            if district is not None and district.pk in units:
                _charge(units[district.pk], cards)
        _add_project_service(units, districts, paths, start, end, now)
    else:
        if kind == UnitKind.DEPARTMENT:
            grouped = _grouped(qs.filter(lead_department__isnull=False), "lead_department_id", now)
        else:
            unit_of = DepartmentMembership.objects.filter(
                user=OuterRef("commissioner_id"), kind=DepartmentMembership.Kind.COMMISSIONER
            )
            qs = qs.annotate(unit_id=Subquery(unit_of.values("department_id")[:1]))
            grouped = _grouped(qs.filter(unit_id__isnull=False), "unit_id", now)
        region_ids = {r.pk for r in region_list}
        departments = Department.objects.in_bulk([k for k in grouped if k is not None])
        for department_id, row in grouped.items():
            department = departments.get(department_id)
            if department is None or department.region_id not in region_ids:
                continue
            unit = units.setdefault(
                department_id, {"unit_name": department.name, "region": None, "department": department}
            )
            _add(unit, row)
        # a card is charged to the unit it was issued to (a district bureau, a commissioner's unit), which
        # need not be the request's lead department
        for unit_id, cards in _cards(qs, "unit_id").items():
            if unit_id in units:
                _charge(units[unit_id], cards)
    rows = []
    for unit in units.values():
        if not unit["received"]:
            continue
        exact = {
            "resolution_rate": exact_ratio(unit["resolved"], unit["received"]),
            "on_time_dispatch_rate": exact_ratio(unit["dispatched_on_time"], unit["dispatch_due"]),
            "on_time_answer_rate": exact_ratio(unit["answered_on_time"], unit["answer_due"]),
            "satisfaction": (unit.get("score_sum", Decimal(0)) / unit["evaluated"]) if unit["evaluated"] else None,
            "yellow_cards": unit.get("yellow_cards", 0),
            "red_cards": unit.get("red_cards", 0),
            "project_service": _project_rate(unit.get("project_service")),
        }
        row = {
            "unit_name": unit["unit_name"],
            "region": unit["region"],
            "department": unit["department"],
            "received": unit["received"],
            "resolved": unit["resolved"],
            **{key: value if key.endswith("cards") else half_up(value) for key, value in exact.items()},
        }
        row["score"] = composite_score(exact, weights)
        rows.append(row)
    rows.sort(key=lambda r: (-r["score"], -r["received"], r["unit_name"]))
    for position, row in enumerate(rows, start=1):
        row["rank"] = position
    return rows


def _add_project_service(units: dict, districts: list, paths: dict, start, end, now) -> None:
    """Project service of each district that ranks (one with requests in the month): done ÷ due."""
    for region_id, (done, due) in project_service_by_region(start, end, now).items():
        path = paths.get(region_id, "")
        district = next((d for d in districts if path.startswith(d.path)), None)
        if district is None or district.pk not in units:
            continue
        entry = units[district.pk].setdefault("project_service", [0, 0])
        entry[0] += done
        entry[1] += due


def _project_rate(service: list[int] | None) -> Decimal | None:
    """Project service done ÷ due as an unrounded percentage, or None for a district with nothing due."""
    if not service:
        return None
    return exact_ratio(service[0], service[1])


__all__ = ["composite_score", "month_bounds", "previous_month", "ranking_rows"]
