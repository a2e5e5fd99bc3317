"""Supervision pages: thin views around the selectors and services."""

import logging
from datetime import date, timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from issues.filters import EARLIEST_DATE, LATEST_DATE
from issues.forms import MAX_ID
from issues.models import Category, Request
from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent
from portal.http import back_to
from portal.orgs.models import Industry, Region
from portal.tasking import enqueue_on_commit

from . import services
from .exports import LEDGERS, SYNC_LIMIT, build_ledger, spooled_workbook
from .forms import BigScreenTokenForm, CommonIssueForm, RepublishForm, ReturnVisitForm, SupervisionFilterForm
from .metrics import METRICS
from .models import ExportJob, RankingSnapshot, UnitKind
from .ranking import month_bounds, previous_month, ranking_rows
from .selectors import (
    Scope,
    accountability_requests,
    active_token,
    common_request_groups,
    dashboard_for,
    drill_requests,
    lateness,
    latest_published,
    published_snapshots,
    return_visit_q,
    return_visit_requests,
    return_visits_of,
    standard_answers_for,
    supervised_requests,
    tokens_of,
)
from .tasks import write_export

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
# The beat task refreshes the aggregate every minute; a page that finds it older than this refreshes it
# itself (the beat is late or not running, as in development).
STATS_MAX_AGE = timedelta(minutes=5)


def supervisor_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_supervisor:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _filtered(request):
    """Scope, validated filters and the filter form; ignored input becomes a warning message."""
    scope = Scope.of(request.user)
    form = SupervisionFilterForm(request.GET, user=request.user, scope=scope)
    filters, notes = form.filters()
    for note in notes:
        messages.warning(request, note)
    return scope, form, filters


def _query(filters, **extra) -> str:
    return urlencode({**filters.as_params(), **extra})


FIGURE_ORDER = [
    ("received", None),
    ("resolved", "resolution_rate"),
    ("dispatched_on_time", "on_time_dispatch_rate"),
    ("answered_on_time", "on_time_answer_rate"),
    ("evaluated", "satisfaction"),
    ("satisfied", None),
    ("answered", None),
    ("reopened", "reopen_rate"),
    ("open", None),
    ("overdue", None),
    ("yellow_cards", None),
    ("red_cards", None),
    ("not_evaluated", None),
    ("withdrawn", None),
    ("dispatch_due", None),
    ("dispatched_late", None),
    ("answer_due", None),
    ("answered_late", None),
    ("dispatch_timed", "dispatch_hours"),
    ("answer_timed", "answer_hours"),
]
DERIVED_LABELS = {
    "resolution_rate": gettext_lazy("Resolution rate"),
    "on_time_dispatch_rate": gettext_lazy("On-time dispatch rate"),
    "on_time_answer_rate": gettext_lazy("On-time answer rate"),
    "satisfaction": gettext_lazy("Satisfaction coefficient"),
    "reopen_rate": gettext_lazy("Share of answered requests reopened"),
    "dispatch_hours": gettext_lazy("Working hours to dispatch (average)"),
    "answer_hours": gettext_lazy("Working hours to answer (average)"),
    "reopens": gettext_lazy("Reopens (each rejection counts)"),
}


@vary_on_headers("HX-Request")
@supervisor_required
@require_GET
def dashboard(request):
    scope, form, filters = _filtered(request)
    now = timezone.now()
    stats = services.stats_refresh_if_stale(max_age=STATS_MAX_AGE, now=now)
    base = supervised_requests(request.user, filters, scope=scope)
    board = dashboard_for(base, filters, scope, now)
    figures, charts = board.figures, board.charts
    query = _query(filters)
    drill = f"{reverse('supervision:drill')}?{query}"
    cards = []
    for name, derived in FIGURE_ORDER:
        cards.append(
            {
                "name": name,
                "label": METRICS[name].label,
                "help": METRICS[name].help,
                "value": figures[name],
                "derived": derived,
                "derived_value": figures.get(derived),
                "derived_label": DERIVED_LABELS.get(derived, ""),
                "reopens": figures["reopens"] if name == "reopened" else None,
                "reopens_label": DERIVED_LABELS["reopens"],
                "url": f"{drill}&metric={name}",
            }
        )
    chart_data = {
        **charts,
        "labels": {"received": _("Received"), "resolved": _("Resolved"), "partial": _("so far")},
        "drill": f"{drill}&metric=received",
    }
    return render(
        request,
        "supervision/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "figures": figures,
            "cards": cards,
            "chart_data": chart_data,
            "query": query,
            "scope": scope,
            "now": now,
            "as_of": stats.as_of if stats else None,
        },
    )


@vary_on_headers("HX-Request")
@supervisor_required
@require_GET
def drill(request):
    scope, form, filters = _filtered(request)
    metric = request.GET.get("metric", "received")
    if metric not in METRICS:
        messages.warning(
            request, _("Unknown figure “%(metric)s”; all received requests are listed.") % {"metric": metric[:40]}
        )
        metric = "received"
    base = supervised_requests(request.user, filters, scope=scope)
    qs = drill_requests(base, metric, timezone.now())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _query(filters, metric=metric)
    template = "supervision/drill.html#rows" if request.htmx else "supervision/drill.html"
    return render(
        request,
        template,
        {
            "form": form,
            "filters": filters,
            "metric": METRICS[metric],
            "metric_name": metric,
            "page": page,
            "query": query,
            "dashboard_query": _query(filters),
        },
    )


@supervisor_required
@require_GET
def accountability(request):
    scope, form, filters = _filtered(request)
    now = timezone.now()
    qs = accountability_requests(supervised_requests(request.user, filters, scope=scope), now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for req in page:
        req.late_hours = round(lateness(req, now).total_seconds() / 3600, 1)
    return render(request, "supervision/accountability.html", {"form": form, "page": page, "query": _query(filters)})


@supervisor_required
@require_GET
def return_visits(request):
    scope, form, filters = _filtered(request)
    done = request.GET.get("done") == "1"
    qs = return_visit_requests(supervised_requests(request.user, filters, scope=scope), done=done)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/return_visits.html",
        {"form": form, "page": page, "query": _query(filters), "done": done},
    )


@supervisor_required
def return_visit(request, pk: int):
    scope = Scope.of(request.user)
    req = get_object_or_404(
        supervised_requests(request.user, scope=scope)
        .filter(return_visit_q())
        .select_related("enterprise", "region", "category"),
        pk=pk,
    )
    form = ReturnVisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.return_visit_record(
            actor=request.user, req=req, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
        )
        messages.success(request, _("The return call is recorded."))
        return redirect("supervision:return_visit", pk=req.pk)
    return render(request, "supervision/return_visit.html", {"req": req, "form": form, "visits": return_visits_of(req)})


# ---------------------------------------------------------------------------------------------
# common requests and standard answers


@supervisor_required
@require_GET
def common(request):
    scope, form, filters = _filtered(request)
    groups = common_request_groups(request.user, filters, scope)
    return render(
        request,
        "supervision/common.html",
        {"form": form, "groups": groups[:200], "query": _query(filters), "issue_form": CommonIssueForm()},
    )


def _posted_id(request, name: str) -> int:
    """The id posted as ``name``, or 0 (matches nothing) unless it is ASCII digits that fit a bigint."""
    value = request.POST.get(name, "")
    if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
        return int(value)
    return 0


@supervisor_required
@require_POST
def common_mark(request):
    scope = Scope.of(request.user)
    form = CommonIssueForm(request.POST)
    category = Category.objects.filter(pk=_posted_id(request, "category")).first()
    region = Region.objects.filter(pk=_posted_id(request, "region")).first()
    industry = request.POST.get("industry", "")
    if category is None or region is None or industry not in Industry.values or not scope.contains(region):
        messages.error(request, _("This group no longer exists in your scope; reload the page."))
        return redirect("supervision:common")
    if not form.is_valid():
        messages.error(request, _("Give the policy issue a title and a standard answer."))
        return redirect("supervision:common")
    try:
        services.common_issue_mark(
            actor=request.user, category=category, industry=industry, region=region, **form.cleaned_data
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as a policy issue; the standard answer is published."))
    return redirect(back_to(request, "supervision:common"))


@login_required
@require_GET
def standard_answers(request):
    user = request.user
    if not (user.is_supervisor or user.is_commissioner or user.is_enterprise_user or user.is_handler):
        raise PermissionDenied
    return render(request, "supervision/standard_answers.html", {"answers": standard_answers_for(user)})


# ---------------------------------------------------------------------------------------------
# exports


@supervisor_required
@require_http_methods(["GET", "POST"])
def export(request, kind: str):
    """GET shows what would be exported and a button; the POST (with the filters in the query string)
    writes the audit row and either streams the workbook or starts the background job."""
    if kind not in LEDGERS:
        raise Http404
    params = {key: value for key, value in request.GET.items() if key != "page"}
    ledger = build_ledger(kind, request.user, params)
    if ledger is None:
        messages.error(request, _("Unknown list; nothing was exported."))
        return redirect("supervision:dashboard")
    if request.method == "GET":
        context = {"kind": kind, "ledger": ledger, "query": urlencode(params), "background": ledger.count > SYNC_LIMIT}
        return render(request, "supervision/export_confirm.html", context)
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        request=request,
        target=f"ledger {kind}",
        detail={"params": params, "rows": ledger.count, "background": ledger.count > SYNC_LIMIT},
    )
    if ledger.count > SYNC_LIMIT:
        job = services.export_job_create(actor=request.user, kind=kind, params=params, total=ledger.count)
        enqueue_on_commit(write_export, job.pk)
        return redirect("supervision:export_job", pk=job.pk)
    name = f"{kind}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(
        spooled_workbook(ledger),
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@vary_on_headers("HX-Request")
@supervisor_required
@require_GET
def export_job(request, pk: int):
    job = get_object_or_404(ExportJob, pk=pk, created_by=request.user)
    template = "supervision/export_job.html#progress" if request.htmx else "supervision/export_job.html"
    return render(request, template, _export_job_context(job))


def _export_job_context(job: ExportJob, *, gone: bool = False) -> dict:
    return {
        "job": job,
        "gone": gone or job.status == ExportJob.Status.EXPIRED,
        "retention_days": settings.EXPORT_RETENTION_DAYS,
        "again": f"{reverse('supervision:export', args=[job.kind])}?{urlencode(job.params)}",
    }


@supervisor_required
@require_GET
def export_download(request, pk: int):
    """The finished workbook; once the retention task has deleted it, the job's page saying so (410)."""
    job = get_object_or_404(
        ExportJob, pk=pk, created_by=request.user, status__in=[ExportJob.Status.DONE, ExportJob.Status.EXPIRED]
    )
    if job.status == ExportJob.Status.DONE and job.file:
        try:
            handle = job.file.open("rb")
        except FileNotFoundError:
            logger.warning("export %s: file %s is missing", job.pk, job.file.name)
        else:
            return FileResponse(handle, as_attachment=True, filename=f"{job.kind}-{job.created_at:%Y%m%d}.xlsx")
    return render(request, "supervision/export_job.html", _export_job_context(job, gone=True), status=410)


# ---------------------------------------------------------------------------------------------
# rankings


def _month_param(value: str | None, default: date) -> tuple[date, bool]:
    """The month asked for, or ``default`` and False for a malformed one or one outside the accepted years."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        month_bounds(date(year, month, 1))  # ValueError outside the accepted years
        return date(year, month, 1), True
    except ValueError:
        return default, not value


def _kind_param(value: str | None) -> str:
    return value if value in UnitKind.values else UnitKind.REGION


@require_GET
def ranking(request):
    """一月一晒绩: the published ranking of a month, readable by everyone."""
    default = previous_month(timezone.localdate())
    month, ok = _month_param(request.GET.get("month"), default)
    if not ok:
        messages.warning(request, _("Give the month as YYYY-MM; last month is shown."))
    kind = _kind_param(request.GET.get("kind"))
    snapshot = latest_published(month, kind)
    entries = snapshot.entries.select_related("region", "department") if snapshot else []
    may_publish = _may_publish(request.user)
    finished = month < timezone.localdate().replace(day=1)
    # a city supervisor sees what publishing an unpublished finished month would freeze
    preview = ranking_rows(kind, month) if may_publish and finished and snapshot is None else None
    unpublished = [k for k in UnitKind.values if latest_published(month, k) is None] if may_publish else []
    return render(
        request,
        "supervision/ranking.html",
        {
            "snapshot": snapshot,
            "entries": entries,
            "preview": preview,
            "unpublished_kinds": len(unpublished),
            "finished": finished,
            "month": month,
            "kind": kind,
            "kinds": UnitKind.choices,
            "republish_form": RepublishForm() if may_publish else None,
        },
    )


@require_GET
def ranking_history(request):
    kind = _kind_param(request.GET.get("kind"))
    snapshots = published_snapshots(kind).select_related("published_by").annotate(units=Sum("entries__received"))
    return render(
        request, "supervision/ranking_history.html", {"snapshots": snapshots, "kind": kind, "kinds": UnitKind.choices}
    )


def _may_publish(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_supervisor
        and Scope.of(user).roots
        and any(r.level == Region.Level.CITY for r in Scope.of(user).roots)
    )


@supervisor_required
@require_GET
def ranking_draft(request):
    """The current month's ranking as it stands now, limited to the units in the supervisor's scope."""
    month, ok = _month_param(request.GET.get("month"), timezone.localdate().replace(day=1))
    if not ok:
        messages.warning(
            request,
            _("Give the month as YYYY-MM, between %(earliest)s and %(latest)s; this month is shown.")
            % {"earliest": f"{EARLIEST_DATE:%Y-%m}", "latest": f"{LATEST_DATE:%Y-%m}"},
        )
    kind = _kind_param(request.GET.get("kind"))
    scope = Scope.of(request.user)
    regions = Region.objects.filter(pk__in=list(scope.ids))
    rows = ranking_rows(kind, month, regions=regions)
    return render(
        request,
        "supervision/ranking_draft.html",
        {"rows": rows, "month": month, "kind": kind, "kinds": UnitKind.choices},
    )


@supervisor_required
@require_POST
def ranking_publish(request):
    month, ok = _month_param(request.POST.get("month"), previous_month(timezone.localdate()))
    every_kind = request.POST.get("kind") == "all"
    kind = _kind_param(request.POST.get("kind"))
    form = RepublishForm(request.POST)
    if not _may_publish(request.user):
        raise PermissionDenied
    if not ok or month >= timezone.localdate().replace(day=1):
        messages.error(request, _("Only a finished month can be published."))
    elif every_kind:
        # every kind of unit not published yet for the month, at once (published kinds are left alone)
        published = []
        for each in UnitKind.values:
            if latest_published(month, each) is None:
                services.ranking_publish(month=month, kind=each, actor=request.user, http_request=request)
                published.append(str(UnitKind(each).label))
        if published:
            messages.success(request, _("Published: %(kinds)s.") % {"kinds": "、".join(published)})
        else:
            messages.info(request, _("Every kind of unit of this month is already published."))
    elif not form.is_valid() and RankingSnapshot.objects.filter(month=month, kind=kind).exists():
        messages.error(request, _("Say why the month is published again."))
    else:
        try:
            snapshot = services.ranking_publish(
                month=month,
                kind=kind,
                actor=request.user,
                reason=form.cleaned_data.get("reason", "") if form.is_valid() else "",
                http_request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Published as version %(n)d.") % {"n": snapshot.version})
    return redirect(f"{reverse('supervision:ranking')}?{urlencode({'month': f'{month:%Y-%m}', 'kind': kind})}")


# ---------------------------------------------------------------------------------------------
# big screen


def _bigscreen_context(user, region: Region | None, scope: Scope) -> dict:
    """Key figures of this year for the scope (or one region subtree) and the bar of its regions."""
    from .forms import Filters, Period

    today = timezone.localdate()
    filters = Filters(start=date(today.year, 1, 1), end=today, period=Period.YEAR, region=region)
    if user is None:
        base = Request.objects.filter(
            region_id__in=list(scope.ids) or [0],
            submitted_at__gte=filters.start_at,
            submitted_at__lt=filters.end_before,
        )
    else:
        base = supervised_requests(user, filters, scope=scope)
    now = timezone.now()
    stats = services.stats_refresh_if_stale(max_age=STATS_MAX_AGE, now=now)
    board = dashboard_for(base, filters, scope, now)
    return {
        "figures": board.figures,
        "chart_data": {
            **board.charts,
            "labels": {"received": _("Received"), "resolved": _("Resolved"), "partial": _("so far")},
        },
        "updated": timezone.localtime(now),
        "as_of": stats.as_of if stats else None,
        "title_region": region or (scope.roots[0] if len(scope.roots) == 1 else None),
    }


@supervisor_required
@require_GET
def bigscreen(request):
    scope = Scope.of(request.user)
    context = _bigscreen_context(request.user, None, scope)
    context["panel_url"] = reverse("supervision:bigscreen_panel")
    return render(request, "supervision/bigscreen.html", context)


@supervisor_required
@require_GET
def bigscreen_panel(request):
    scope = Scope.of(request.user)
    return render(request, "supervision/bigscreen.html#panel", _bigscreen_context(request.user, None, scope))


def _token_scope(token: str):
    link = active_token(token)
    if link is None:
        raise Http404
    return link, Scope.of_region(link.region)


@require_GET
def bigscreen_token(request, token: str):
    link, scope = _token_scope(token)
    context = _bigscreen_context(None, None, scope)
    context["panel_url"] = reverse("supervision:bigscreen_token_panel", args=[token])
    response = render(request, "supervision/bigscreen.html", context)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def bigscreen_token_panel(request, token: str):
    link, scope = _token_scope(token)
    return render(request, "supervision/bigscreen.html#panel", _bigscreen_context(None, None, scope))


@supervisor_required
def tokens(request):
    form = BigScreenTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.token_create(
            actor=request.user,
            region=form.cleaned_data["region"],
            label=form.cleaned_data["label"],
            http_request=request,
        )
        messages.success(request, _("The big-screen link is created."))
        return redirect("supervision:tokens")
    return render(request, "supervision/tokens.html", {"form": form, "tokens": tokens_of(request.user)})


@supervisor_required
@require_POST
def token_revoke(request, pk: int):
    services.token_revoke(actor=request.user, token_id=pk, http_request=request)
    messages.success(request, _("The link no longer works."))
    return redirect("supervision:tokens")
