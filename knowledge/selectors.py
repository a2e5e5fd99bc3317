"""Reads of the knowledge base: what a user may see, the search, the suggestions while filing and
dispatching, and the figures of the dashboard."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from issues.models import Category, EventAction, Outcome, Request, RequestEvent, Status
from portal.orgs.models import Department, Enterprise, Region
from portal.orgs.selectors import department_ids_for_handler, region_scope_for

from .models import Citation, Deflection, DispatchSuggestion, Entry, Kind
from .similar import text_score

# How many recent candidates the suggestions compare in Python, and how alike they must be.
CANDIDATES = 400
MIN_SCORE = 0.2
SUGGESTIONS = 3
DISPATCH_NEIGHBOURS = 8


def entry_visible_to(user) -> QuerySet[Entry]:
    """Published entries within their dates for everyone with a role; drafts and retired entries also for
    those who manage them (supervisors of the region, handlers of the issuing department)."""
    if not user.is_authenticated:
        return Entry.objects.none()
    condition = Q(pk__in=Entry.objects.published().values("pk"))
    if user.is_supervisor:
        scope = region_scope_for(user)
        condition |= Q(region__in=scope)
        if scope.filter(level=Region.Level.CITY).exists():
            condition |= Q(region__isnull=True)
    if user.is_handler:
        condition |= Q(department__in=department_ids_for_handler(user).values("department_id"))
    return Entry.objects.filter(condition)


def search(qs: QuerySet[Entry], query: str) -> QuerySet[Entry]:
    """Every word of the query in the title or the text (``icontains``; on PostgreSQL served by the
    trigram indexes of knowledge/migrations/0002)."""
    for word in query.split()[:8]:
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return qs


def access_entry(user, pk: int) -> Entry:
    entry = entry_visible_to(user).select_related("department", "category", "region").filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def policies_for(enterprise: Enterprise) -> QuerySet[Entry]:
    """Published policy notes whose tags match the enterprise (the enterprise home lists them)."""
    return (
        Entry.objects.published()
        .filter(kind=Kind.POLICY)
        .matching(enterprise)
        .select_related("department")
        .order_by("-published_at")
    )


def enterprises_matching(entry: Entry) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.all()
    if entry.industry:
        qs = qs.filter(industry=entry.industry)
    if entry.size:
        qs = qs.filter(size=entry.size)
    if entry.region_id:
        qs = qs.filter(region__path__startswith=entry.region.path)
    return qs


# ---------------------------------------------------------------------------------------------
# suggestions while filing


@dataclass
class Match:
    score: float
    title: str
    answer: str
    entry: Entry | None = None
    request: Request | None = None
    department: Department | None = None
    verdict: str = ""


def district_path(region: Region) -> str:
    """The district (second level) a region belongs to, as a path prefix; the city itself for a city."""
    parts = [p for p in region.path.split("/") if p]
    return "/" + "/".join(parts[:2]) + "/"


def _answers(request_ids) -> dict[int, str]:
    answers: dict[int, str] = {}
    rows = (
        RequestEvent.objects.filter(request_id__in=request_ids, action=EventAction.ANSWER)
        .order_by("created_at")
        .values_list("request_id", "comment")
    )
    for request_id, comment in rows:
        answers[request_id] = comment  # the latest answer wins
    return answers


def matching_entries(*, title: str, description: str, category: Category | None, enterprise=None) -> list[Match]:
    qs = Entry.objects.published()
    if category is not None:
        qs = qs.filter(Q(category=category) | Q(category__isnull=True))
    if enterprise is not None:
        qs = qs.matching(enterprise)
    scored = []
    for entry in qs.order_by("-published_at")[:CANDIDATES]:
        score = text_score(title, description, entry.title, entry.body)
        if category is not None and entry.category_id == category.pk:
            score += 0.1
        if score >= MIN_SCORE:
            scored.append(Match(score=score, title=entry.title, answer=entry.body, entry=entry))
    scored.sort(key=lambda m: (-m.score, m.title))
    return scored[:SUGGESTIONS]


def similar_resolved(
    *,
    title: str,
    description: str,
    category: Category | None,
    industry: str,
    region: Region,
    exclude_id: int | None = None,
    limit: int = SUGGESTIONS,
) -> list[Match]:
    """Resolved requests of the same district like this one, best first, with their answers."""
    qs = Request.objects.filter(
        region__path__startswith=district_path(region),
        status__in=[Status.ANSWERED, Status.CLOSED],
        outcome=Outcome.RESOLVED,
    )
    if category is not None:
        qs = qs.filter(Q(category=category) | Q(enterprise__industry=industry))
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    rows = qs.order_by("-answered_at").values(
        "pk", "title", "description", "category_id", "enterprise__industry", "lead_department_id", "verdict"
    )[:CANDIDATES]
    scored = []
    for row in rows:
        text = text_score(title, description, row["title"], row["description"])
        if text < MIN_SCORE:
            continue
        score = 0.7 * text + 0.2 * (category is not None and row["category_id"] == category.pk)
        score += 0.1 * (row["enterprise__industry"] == industry)
        scored.append((score, row))
    scored.sort(key=lambda pair: (-pair[0], -pair[1]["pk"]))
    top = scored[:limit]
    answers = _answers([row["pk"] for _score, row in top])
    departments = Department.objects.in_bulk({row["lead_department_id"] for _s, row in top} - {None})
    return [
        Match(
            score=score,
            title=row["title"],
            answer=answers.get(row["pk"], ""),
            request=Request(pk=row["pk"], title=row["title"]),
            department=departments.get(row["lead_department_id"]),
            verdict=row["verdict"],
        )
        for score, row in top
    ]


# ---------------------------------------------------------------------------------------------
# suggestions while dispatching


@dataclass
class LeadSuggestion:
    department: Department | None
    similar: list[dict]


VERDICT_WEIGHT = {"satisfied": 1.0, "basically": 0.8, "dissatisfied": 0.3, "": 0.6}


def suggest_lead(req: Request, *, before=None) -> LeadSuggestion:
    """Similar past requests of the same category (anywhere in the city) that a lead department answered,
    and the department they point to: each neighbour votes with its likeness times its satisfaction."""
    qs = Request.objects.filter(
        category_id=req.category_id,
        lead_department__isnull=False,
        lead_department__is_active=True,
        status__in=[Status.ANSWERED, Status.CLOSED],
    ).exclude(pk=req.pk)
    if before is not None:
        qs = qs.filter(submitted_at__lt=before)
    rows = qs.order_by("-answered_at").values("pk", "title", "description", "lead_department_id", "verdict")[
        :CANDIDATES
    ]
    scored = sorted(
        ((text_score(req.title, req.description, r["title"], r["description"]), r) for r in rows),
        key=lambda pair: (-pair[0], -pair[1]["pk"]),
    )[:DISPATCH_NEIGHBOURS]
    votes: dict[int, float] = defaultdict(float)
    for score, row in scored:
        votes[row["lead_department_id"]] += (score + 0.05) * VERDICT_WEIGHT.get(row["verdict"], 0.6)
    departments = Department.objects.in_bulk(set(votes))
    best = max(votes, key=lambda pk: (votes[pk], -pk)) if votes else None
    similar = [
        {
            "pk": row["pk"],
            "title": row["title"],
            "department": departments.get(row["lead_department_id"]),
            "verdict": row["verdict"],
            "score": score,
        }
        for score, row in scored
        if score >= MIN_SCORE
    ]
    return LeadSuggestion(department=departments.get(best) if best else None, similar=similar)


# ---------------------------------------------------------------------------------------------
# the dashboard


def hit_rate(qs: QuerySet[DispatchSuggestion] | None = None) -> dict:
    qs = DispatchSuggestion.objects.all() if qs is None else qs
    counts = qs.filter(suggested__isnull=False).aggregate(n=Count("pk"), hits=Count("pk", filter=Q(followed=True)))
    n, hits = counts["n"], counts["hits"]
    return {"n": n, "hits": hits, "rate": round(100 * hits / n, 1) if n else None}


def entry_figures(entries: QuerySet[Entry]) -> list[dict]:
    """Per entry: answers citing it, requests those closed, their satisfaction, filings deflected."""
    entries = list(entries.order_by("-published_at", "-pk")[:200])
    ids = [e.pk for e in entries]
    cited: dict[int, dict] = defaultdict(lambda: {"cited": 0, "closed": 0, "satisfied": 0, "rated": 0})
    rows = Citation.objects.filter(entry_id__in=ids).values(
        "entry_id", "request__status", "request__verdict", "request__outcome"
    )
    for row in rows:
        figure = cited[row["entry_id"]]
        figure["cited"] += 1
        if row["request__status"] == Status.CLOSED and row["request__outcome"] == Outcome.RESOLVED:
            figure["closed"] += 1
        if row["request__verdict"]:
            figure["rated"] += 1
            figure["satisfied"] += row["request__verdict"] in ("satisfied", "basically")
    deflected = dict(
        Deflection.objects.filter(entry_id__in=ids).values_list("entry_id").annotate(n=Count("pk")).order_by()
    )
    result = []
    for entry in entries:
        figure = cited[entry.pk]
        result.append(
            {
                "entry": entry,
                **figure,
                "satisfaction": round(100 * figure["satisfied"] / figure["rated"], 1) if figure["rated"] else None,
                "deflected": deflected.get(entry.pk, 0),
            }
        )
    return result


def deflections_total(since=None) -> int:
    qs = Deflection.objects.all()
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.count()


def hit_rate_backtest(requests) -> dict:
    """The suggestion replayed on past dispatches: for each request with a lead department, what the
    knowledge base would have suggested from the requests filed before it, and whether that is the
    department the commissioner chose."""
    n = hits = 0
    for req in requests:
        suggested = suggest_lead(req, before=req.submitted_at).department
        if suggested is None:
            continue
        n += 1
        hits += suggested.pk == req.lead_department_id
    return {"n": n, "hits": hits, "rate": round(100 * hits / n, 1) if n else None}
