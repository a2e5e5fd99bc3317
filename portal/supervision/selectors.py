"""Read queries of supervision. Every list, figure and export starts from ``supervised_requests``,
which starts from ``issues.selectors.request_visible_to`` and narrows it to the supervisor's regions."""

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from issues.models import OPEN_STATUSES, Card, Category, CloseReason, Request, Status, Verdict
from issues.selectors import request_visible_to
from portal.orgs.models import Department, Industry, Region
from portal.orgs.selectors import region_scope_for

from .forms import Filters
from .metrics import METRICS, RECEIVED, aggregate_expressions, unprefixed, with_rates
from .models import BigScreenToken, CommonIssue, RankingSnapshot, ReturnVisit


class Scope:
    """A supervisor's regions, read once per page."""

    def __init__(self, regions: list[Region]):
        self.regions = sorted(regions, key=lambda r: r.path)
        self.ids = {r.pk for r in self.regions}
        self.by_id = {r.pk: r for r in self.regions}
        self.roots = [r for r in self.regions if r.parent_id not in self.ids]

    @classmethod
    def of(cls, user) -> "Scope":
        return cls(list(region_scope_for(user).only("pk", "code", "name", "path", "parent_id", "level",
                                                     "sort_order")))

    @classmethod
    def of_region(cls, region: Region) -> "Scope":
        return cls(list(Region.objects.subtree(region).only("pk", "code", "name", "path", "parent_id", "level",
                                                            "sort_order")))

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


def supervised_requests(user, filters: Filters | None = None, *, scope: Scope | None = None,
                        by_period: bool = True) -> QuerySet[Request]:
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


def dashboard_figures(base: QuerySet, now: datetime) -> dict:
    """Every figure of the dashboard in one aggregate query."""
    return with_rates(unprefixed(base.order_by().aggregate(**aggregate_expressions(now))))


def dashboard_charts(base: QuerySet, filters: Filters, scope: Scope) -> dict:
    """Trend, category and region from one grouped query; departments from a second."""
    weekly = (filters.end - filters.start).days <= 92
    bucket = TruncWeek("submitted_at") if weekly else TruncMonth("submitted_at")
    resolved_q = METRICS["resolved"].q(timezone.now())
    cube = (base.filter(RECEIVED).order_by().annotate(bucket=bucket)
            .values("bucket", "category_id", "region_id")
            .annotate(received=Count("pk"), resolved=Count("pk", filter=resolved_q)))
    trend, by_category, by_region = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0]), {}
    groups = scope.groups(filters.region)
    for group in groups:
        by_region[group.pk] = [0, 0]
    for row in cube:
        for table, key in ((trend, row["bucket"]), (by_category, row["category_id"])):
            table[key][0] += row["received"]
            table[key][1] += row["resolved"]
        group = scope.group_of(row["region_id"], groups)
        if group is not None:
            by_region[group.pk][0] += row["received"]
            by_region[group.pk][1] += row["resolved"]
    categories = dict(Category.objects.values_list("pk", "name"))
    departments = list(
        base.filter(RECEIVED, lead_department__isnull=False).order_by().values("lead_department_id",
                                                                                "lead_department__name")
        .annotate(received=Count("pk"), resolved=Count("pk", filter=resolved_q)).order_by("-received")[:15])

    def fmt(moment):
        local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
        return f"{local:%m-%d}" if weekly else f"{local:%Y-%m}"

    trend_keys = sorted(trend)
    return {
        "trend": {"labels": [fmt(k) for k in trend_keys], "received": [trend[k][0] for k in trend_keys],
                  "resolved": [trend[k][1] for k in trend_keys], "weekly": weekly},
        "category": [{"id": pk, "name": categories.get(pk, "?"), "received": v[0], "resolved": v[1]}
                     for pk, v in sorted(by_category.items(), key=lambda kv: -kv[1][0])],
        "region": [{"id": g.pk, "name": g.name, "received": by_region[g.pk][0], "resolved": by_region[g.pk][1]}
                   for g in groups],
        "department": [{"id": d["lead_department_id"], "name": d["lead_department__name"],
                        "received": d["received"], "resolved": d["resolved"]} for d in departments],
    }


def drill_requests(base: QuerySet, metric: str, now: datetime) -> QuerySet[Request]:
    return (base.filter(METRICS[metric].q(now))
            .select_related("enterprise", "region", "category", "lead_department", "commissioner")
            .order_by("-submitted_at", "-pk"))


# ---------------------------------------------------------------------------------------------
# accountability (追责问责) and return visits (回访)


def accountability_q(now: datetime) -> Q:
    """Missed the answer deadline: answered late, or still open past it."""
    return Q(answered_on_time=False) | Q(status__in=OPEN_STATUSES, answer_due_at__lt=now)


def accountability_requests(base: QuerySet, now: datetime) -> QuerySet[Request]:
    cards = Card.objects.filter(request=OuterRef("pk"), revoked_at__isnull=True)
    return (base.filter(accountability_q(now))
            .select_related("enterprise", "region", "category", "lead_department", "commissioner")
            .annotate(yellow=Exists(cards.filter(kind="yellow")), red=Exists(cards.filter(kind="red")))
            .prefetch_related("extensions")
            .order_by("answer_due_at", "pk"))


def lateness(req: Request, now: datetime):
    """How late the answer was (or is): a timedelta."""
    end = req.answered_at or now
    return max(end - req.answer_due_at, end - end)


def return_visit_q() -> Q:
    """Closed without an evaluation, or rejected as dissatisfied at least once before closing."""
    return Q(status=Status.CLOSED) & (Q(close_reason=CloseReason.NOT_EVALUATED) | Q(reopen_count__gt=0)
                                      | Q(verdict=Verdict.DISSATISFIED))


def return_visit_requests(base: QuerySet) -> QuerySet[Request]:
    return (base.filter(return_visit_q())
            .select_related("enterprise", "region", "category", "lead_department", "commissioner")
            .annotate(last_call=Max("return_visits__called_at"), calls=Count("return_visits"))
            .order_by("-closed_at", "-pk"))


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
        rows = (supervised_requests(user, f, scope=scope).filter(RECEIVED).order_by()
                .values("category_id", "enterprise__industry", "region_id").annotate(n=Count("pk")))
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
    issues = {(i.category_id, i.industry, i.region_id): i
              for i in CommonIssue.objects.filter(region_id__in={key[2] for key in current})}
    result = []
    for key, n in current.items():
        if n < minimum:
            continue
        category_id, industry, region_id = key
        result.append({
            "category": categories.get(category_id), "industry": industry,
            "industry_label": industries.get(industry, industry), "region": scope.by_id[region_id], "count": n,
            "previous": previous.get(key, 0), "trend": n - previous.get(key, 0), "issue": issues.get(key),
        })
    result.sort(key=lambda g: (-g["count"], g["region"].path))
    return result


def standard_answers_for(user) -> QuerySet[CommonIssue]:
    """Standard answers (快解快答) are for every signed-in user: commissioners reuse them, enterprises read them."""
    return CommonIssue.objects.select_related("category", "region").order_by("category__sort_order", "-updated_at")


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


def departments_in(scope: Scope) -> QuerySet[Department]:
    return Department.objects.filter(region_id__in=list(scope.ids))
