"""The work lists: one component for the commissioner queue, the department queue, an enterprise's
requests and the supervisors' list; bulk dispatch, the Excel export and the enterprise search."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent
from portal.http import back_to
from portal.orgs import listing
from portal.orgs.selectors import (
    enterprise_ids_for_commissioner,
)

from .. import exports, filters, forms, queues, services
from ..exports import XLSX
from ..selectors import (
    enterprises_visible_to,
    kept_policies,
)
from .common import _require
from .rows import _decorate, csrf_input

LIST_TITLES = {
    queues.COMMISSIONER: (
        _l("My queue"),
        _l(
            "Open requests of the enterprises and projects paired with you, most "
            "urgent first: the dispatch deadline while awaiting dispatch, the "
            "answer deadline after."
        ),
    ),
    queues.DEPARTMENT: (_l("Department queue"), _l("Tasks dispatched to your departments, most urgent first.")),
    queues.ENTERPRISE: (_l("My requests"), _l("Everything your enterprise has filed, with its state and deadlines.")),
    queues.SUPERVISOR: (_l("Requests in your region"), _l("Every request filed in the regions you supervise.")),
}


LIST_URLS = {
    queues.COMMISSIONER: "issues:queue",
    queues.DEPARTMENT: "issues:department_queue",
    queues.ENTERPRISE: "issues:my_requests",
    queues.SUPERVISOR: "issues:supervisor_list",
}


def _list_page(request, kind):
    user = request.user
    spec = queues.SPECS[kind]
    now = timezone.now()
    data = request.GET if request.GET else None
    kept = listing.current()  # read once for the page: a supervisor's scope and the filters' choices
    scope = queues.rows_for(kind, user, kept)
    filterset = filters.FILTERS[kind](data, queryset=scope, user=user, now=now, kept=kept)
    base = filterset.qs
    tab = filterset.cleaned("tab", spec.default_tab)
    sort = filterset.cleaned("sort", spec.default_sort)
    size = int(filterset.cleaned("size", queues.DEFAULT_PAGE_SIZE))
    searched = bool(filterset.cleaned("q", "").strip())
    # the overdue filter keeps live rows only: the counts need not ask for them again
    live_only = bool(filterset.cleaned("overdue", False))
    page_asked = request.GET.get("page", "")
    # the first page is read while the counts are (beside it, portal/aside.py), unless they are known to leave
    # the tab empty; another page is found from them
    first_page = page_asked in ("", "1") and not queues.tab_left_empty(spec, tab, live_only)
    needs_timed = queues.page_needs_counts(spec, tab, sort)
    every_request = queues.whole_scope(scope) and not filterset.narrowed()
    # the first page of 全部 most urgent first needs the 待办 count only as far as it reads (running_count):
    # sent first, it is read while the page compiles its tab counts, which the thread reads after it
    running = None
    if needs_timed and first_page:
        running = queues.running_count(spec, base, size, live_only=live_only, live_rows=filterset.live_matches)
    counting = queues.tab_counts_pending(
        spec,
        base,
        now,
        searched=searched,
        live_only=live_only,
        live_rows=filterset.live_matches,
        every_request=every_request,
        now_needed=not first_page,
    )
    search_bounded = queues.search_bounded(spec, searched)
    tab_limit = queues.SEARCH_COUNT_LIMIT if tab in search_bounded else queues.COUNT_LIMIT
    in_tab = base.filter(queues.tab_condition(spec, tab, now, sort))
    counts = None if first_page else counting.result()
    timed = None
    if needs_timed:  # the 待办 count: for the first page, only as far as it needs it
        timed = counts["open"] if counts else running.result()
    rows = queues.page_rows(
        spec, in_tab, sort, tab, timed, live_rows=filterset.live_matches, every_request=every_request
    )
    paginator = Paginator(rows, size)
    if first_page:
        # the first page is the first rows whatever their count: it is read before the count is known
        page = Page(rows[:size], 1, paginator)
    else:
        # the tab's count is already known: no second COUNT query (a bounded one pages through the first
        # COUNT_LIMIT + 1 rows; the filters narrow a scope beyond that)
        paginator.count = counts[tab]
        page = paginator.get_page(page_asked)
    policies = kept_policies(filterset.listing)
    _decorate(kind, page.object_list, user, policies, now, csrf_input(request) if spec.over_dispatches else "")
    if first_page:
        counts = counting.result()
        paginator.count = counts[tab]
        # as the paginator slices it: no more rows than the count (a bounded count below a page)
        page.object_list = list(page.object_list)[: counts[tab]]
    ignored = [
        str(filterset.form.fields[name].label) for name in filterset.form.errors if name in filterset.form.fields
    ]
    title, intro = LIST_TITLES[kind]
    context = {
        "kind": kind,
        "filter": filterset,
        "page": page,
        # the rows' markup, built in Python (rows.py), joined once rather than looped over by the template
        "rows_html": mark_safe("".join(row.html for row in page.object_list)),
        "now": now,
        "tab": tab,
        "sort": sort,
        "size": size,
        "tabs": [(key, label, counts[key]) for key, label in queues.TABS],
        # a bounded count (已办结 and 全部 of a large scope) is shown as "1000+"; with a text search, those of
        # the supervisors' list as "100+"
        "count_limit": queues.COUNT_LIMIT,
        "search_bounded": search_bounded,
        "search_limit": queues.SEARCH_COUNT_LIMIT,
        "tab_limit": tab_limit,
        "capped": counts[tab] > tab_limit,
        "ignored": ignored,
        "page_adjusted": bool(page_asked) and page_asked != str(page.number),
        "list_url": reverse(LIST_URLS[kind]),
        "title": title,
        "intro": intro,
        "bulk_form": forms.BulkDispatchForm(auto_id="bulk-%s") if kind == queues.COMMISSIONER else None,
        # the bulk form's lead departments (about 1,400 in a province) are fetched by the page from
        # bulk_departments, under the listing's token so the browser keeps them until one changes
        "bulk_departments_url": _bulk_departments_url(filterset.departments) if kind == queues.COMMISSIONER else "",
        "filtered": bool(data),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "issues/list.html#rows" if partial else "issues/list.html", context)


@vary_on_headers("HX-Request")
@login_required
@require_GET
def queue(request):
    _require(request.user.is_commissioner)
    return _list_page(request, queues.COMMISSIONER)


@vary_on_headers("HX-Request")
@login_required
@require_GET
def department_queue(request):
    _require(request.user.is_handler)
    return _list_page(request, queues.DEPARTMENT)


@vary_on_headers("HX-Request")
@login_required
@require_GET
def my_requests(request):
    _require(request.user.is_enterprise_user)
    return _list_page(request, queues.ENTERPRISE)


@vary_on_headers("HX-Request")
@login_required
@require_GET
def supervisor_list(request):
    _require(request.user.is_supervisor)
    return _list_page(request, queues.SUPERVISOR)


# the markup of the bulk form's options: raise it when options_html writes them differently, so that
# browsers holding the old list under the same token ask again
BULK_OPTIONS_FORMAT = 1


def _bulk_options_version(listed: filters.ListedDepartments) -> str:
    token = listed.listing.token
    return f"{token}.{BULK_OPTIONS_FORMAT}" if token is not None else ""


def _bulk_departments_url(listed: filters.ListedDepartments) -> str:
    return f"{reverse('issues:bulk_departments')}?v={_bulk_options_version(listed)}"


@login_required
@require_GET
def bulk_departments(request):
    """The bulk-dispatch form's lead departments as ``<option>``s in an ``<optgroup>`` per region, which
    the queue page adds to its form (static/js/queue.js). Asked for with the listing's token and the
    options' format (``?v=``), they are the same until a region or department changes, so the browser
    keeps them (while its session cookie is the same: the response varies on the cookie)."""
    _require(request.user.is_commissioner)
    listed = filters.ListedDepartments()
    response = HttpResponse(listed.options_html(), content_type="text/html; charset=utf-8")
    version = _bulk_options_version(listed)
    current = bool(version) and request.GET.get("v") == version
    response["Cache-Control"] = "private, max-age=31536000, immutable" if current else "private, no-cache"
    response.browser_may_keep = True  # the departments are the same for every commissioner
    return response


@login_required
@require_http_methods(["POST"])
def bulk_dispatch(request):
    """Dispatch the selected requests to one lead department, one service call per request; each row's
    outcome is reported. Without a lead (the queue's list of departments not loaded, or none chosen) or
    with one that cannot be chosen, a page shows the selected requests and asks for it, changing nothing."""
    _require(request.user.is_commissioner)
    back = back_to(request, "issues:queue")
    form = forms.BulkDispatchForm(request.POST)
    chosen = forms.parse_selection(request.POST.getlist("ids"))
    if not chosen:
        messages.error(request, _("Tick the requests to dispatch first."))
        return redirect(back)
    if not form.is_valid():
        return _bulk_dispatch_confirm(request, form, chosen, back)
    mine = queues.commissioner_rows(request.user).in_bulk([pk for pk, _v in chosen])
    done, failed = [], []
    for pk, version in chosen:
        req = mine.get(pk)
        if req is None:
            failed.append(_("#%(pk)s: not in your queue.") % {"pk": pk})
            continue
        try:
            services.request_dispatch(
                req_id=pk,
                actor=request.user,
                lead=form.cleaned_data["lead"],
                co=[],
                instruction=form.cleaned_data["instruction"],
                expected_version=version,
            )
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else _("not allowed for you.")
            failed.append(
                _("%(ref)s %(title)s: %(reason)s") % {"ref": req.reference, "title": req.title, "reason": reason}
            )
        else:
            done.append(f"{req.reference} {req.title}")
    if done:
        messages.success(
            request,
            _("Dispatched to %(dept)s: %(list)s") % {"dept": form.cleaned_data["lead"].name, "list": "；".join(done)},
        )
    for line in failed:
        messages.error(request, _("Not dispatched: %(line)s") % {"line": line})
    return redirect(back)


def _bulk_dispatch_confirm(request, form, chosen, back):
    """The selected requests of the commissioner's queue, with the lead department to choose for them."""
    versions: dict[int, int | None] = {}
    for pk, version in chosen:  # a request ticked twice keeps the version it was first ticked with
        versions.setdefault(pk, version)
    rows = list(
        queues.commissioner_rows(request.user)
        .filter(pk__in=list(versions))
        .select_related("enterprise")
        .only("pk", "submitted_at", "title", "status", "version", "enterprise__name")
        .order_by("pk")
    )
    if not rows:
        messages.error(request, _("None of the selected requests is in your queue."))
        return redirect(back)
    lead_error = ""
    if "lead" in form.errors:
        if form.data.get("lead"):
            lead_error = _("That department cannot be chosen (it may have been closed). Choose another.")
        elif form.data.get("confirm"):  # sent from this page with none chosen
            lead_error = _("Choose the lead department for the selected requests.")
    lead = form.cleaned_data.get("lead")  # a valid choice is kept when only the instruction was refused
    context = {
        # each row keeps the version it was ticked with, so a request changed since is still refused as stale
        "rows": [(row, versions[row.pk], versions[row.pk] not in (None, row.version)) for row in rows],
        "skipped": len(versions) - len(rows),
        "form": form,
        "lead_error": lead_error,
        "instruction_errors": form.errors.get("instruction", []),
        "department_options": filters.ListedDepartments().options_html(selected=lead.pk if lead else None),
        "back": back,
    }
    return render(request, "issues/bulk_dispatch.html", context)


EXPORT_COLUMNS = [
    _l("Reference"),
    _l("Title"),
    _l("Enterprise"),
    _l("Contact person"),
    _l("Contact phone"),
    _l("Region"),
    _l("Category"),
    _l("Source"),
    _l("State"),
    _l("Filed"),
    _l("Current deadline"),
    _l("Lead department"),
]


@login_required
@require_http_methods(["POST"])
def request_export(request):
    """The selected rows as an Excel workbook (台账); contact phones in full only for the enterprise's
    own commissioners. Every export is audited."""
    user = request.user
    kind = queues.SUPERVISOR if request.POST.get("list") == queues.SUPERVISOR else queues.COMMISSIONER
    _require(user.is_supervisor if kind == queues.SUPERVISOR else user.is_commissioner)
    chosen = [pk for pk, _v in forms.parse_selection(request.POST.getlist("ids"))]
    if not chosen:
        messages.error(request, _("Tick the requests to export first."))
        return redirect(back_to(request, LIST_URLS[kind]))
    rows = list(
        queues.ROWS[kind](user)
        .filter(pk__in=chosen)
        .select_related("enterprise", "region", "category", "lead_department")
        .order_by("pk")
    )
    if not rows:
        messages.error(request, _("None of the selected requests is in your list any more; nothing was exported."))
        return redirect(back_to(request, LIST_URLS[kind]))
    paired = (
        set(enterprise_ids_for_commissioner(user).values_list("enterprise_id", flat=True))
        if user.is_commissioner
        else set()
    )
    workbook = exports.requests_workbook(rows, [str(c) for c in EXPORT_COLUMNS], paired)
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=user,
        request=request,
        target="requests",
        detail={"list": kind, "count": len(rows), "ids": [r.pk for r in rows][:500]},
    )
    response = HttpResponse(workbook, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="requests-{stamp}.xlsx"'
    return response


@vary_on_headers("HX-Request")
@login_required
@require_GET
def enterprise_suggest(request):
    """Enterprises the user may see whose name contains the typed text, as <option>s for a datalist."""
    text = (request.GET.get("enterprise") or request.GET.get("q") or "").strip()[:100]
    matches = []
    if text:
        matches = list(
            enterprises_visible_to(request.user)
            .filter(filters.enterprise_names_containing(text))
            .order_by("name")
            .values_list("name", flat=True)[:20]
        )
    return render(request, "issues/list.html#enterprise_options", {"matches": matches})
