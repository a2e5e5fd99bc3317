"""Thin views of the knowledge base: browse and search, write, publish and retire, the suggestions while
filing (an htmx fragment, or a page of its own without JavaScript), deflections, the policies for an
enterprise, the hint while dispatching and the supervisors' dashboard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from issues.models import Category, Outcome, Request, Status
from issues.selectors import access_request
from portal.orgs.models import Enterprise
from portal.orgs.selectors import region_scope_for

from . import permissions as perms
from . import selectors, services
from .filters import EntryFilter
from .forms import EntryForm
from .models import DispatchSuggestion, EntryStatus

PAGE_SIZE = 20


def _check(user, action, entry=None) -> None:
    verdict = perms.allowed(user, action, entry)
    if not verdict.ok:
        raise PermissionDenied(verdict.reason)


@vary_on_headers("HX-Request")
@login_required
@require_GET
def entry_list(request):
    user = request.user
    _check(user, perms.Action.BROWSE)
    qs = selectors.entry_visible_to(user).select_related("department", "category", "region")
    managing = perms.may_author(user)
    if not managing:
        qs = qs.filter(status=EntryStatus.PUBLISHED)
    f = EntryFilter(request.GET, queryset=qs.order_by("-published_at", "-pk"), managing=managing)
    page = Paginator(f.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    name = "knowledge/list.html#rows" if request.htmx else "knowledge/list.html"
    return render(
        request,
        name,
        {"filter": f, "page": page, "may_author": managing, "searched": any(v for v in request.GET.values())},
    )


@login_required
@require_GET
def entry_detail(request, pk):
    entry = selectors.access_entry(request.user, pk)
    return render(
        request,
        "knowledge/detail.html",
        {"entry": entry, "actions": [str(a) for a in perms.actions_for(request.user, entry)]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request):
    _check(request.user, perms.Action.CREATE)
    form = EntryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        publish = data.pop("publish")
        try:
            entry = services.entry_create(actor=request.user, publish=publish, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The entry has been published.") if publish else _("The draft has been saved."))
            return redirect("knowledge:detail", entry.pk)
    return render(request, "knowledge/form.html", {"form": form})


def _change(request, pk, action, run, success):
    entry = get_object_or_404(selectors.entry_visible_to(request.user), pk=pk)
    verdict = perms.allowed(request.user, action, entry)
    if not verdict.ok:
        if not perms.manages(request.user, entry):
            raise PermissionDenied(verdict.reason)
        messages.error(request, verdict.reason)
    else:
        run(actor=request.user, entry_id=entry.pk)
        messages.success(request, success)
    return redirect("knowledge:detail", entry.pk)


@login_required
@require_POST
def entry_publish(request, pk):
    return _change(request, pk, perms.Action.PUBLISH, services.entry_publish, _("The entry has been published."))


@login_required
@require_POST
def entry_retire(request, pk):
    return _change(request, pk, perms.Action.RETIRE, services.entry_retire, _("The entry has been retired."))


# ---------------------------------------------------------------------------------------------
# while filing


def _enterprise_of(user, raw) -> Enterprise | None:
    mine = Enterprise.objects.filter(memberships__user=user).select_related("region").order_by("name")
    if raw and str(raw).isdigit():
        return mine.filter(pk=int(raw)).first()
    return mine.first()


def _category(raw) -> Category | None:
    return Category.objects.filter(pk=int(raw), is_active=True).first() if raw and str(raw).isdigit() else None


@vary_on_headers("HX-Request")
@login_required
@require_http_methods(["GET", "POST"])
def suggest(request):
    """Answers that may already exist for what the enterprise is typing. htmx asks for the fragment as the
    user types; without JavaScript the filing form's "Look for answers first" button posts here."""
    _check(request.user, perms.Action.DEFLECT)
    data = request.POST if request.method == "POST" else request.GET
    enterprise = _enterprise_of(request.user, data.get("enterprise"))
    if enterprise is None:
        raise PermissionDenied
    title, description = data.get("title", "")[:100], data.get("description", "")[:5000]
    category = _category(data.get("category"))
    entries, similar = [], []
    if len(title.strip()) + len(description.strip()) >= 2:
        entries = selectors.matching_entries(
            title=title, description=description, category=category, enterprise=enterprise
        )
        similar = selectors.similar_resolved(
            title=title,
            description=description,
            category=category,
            industry=enterprise.industry,
            region=enterprise.region,
        )
    resume = (
        reverse("issues:request_create")
        + "?"
        + urlencode(
            {
                "enterprise": enterprise.pk,
                "title": title,
                "description": description[:1000],
                "category": category.pk if category else "",
            }
        )
    )
    context = {
        "entries": entries,
        "similar": similar,
        "enterprise": enterprise,
        "title": title,
        "category": category,
        "typed": bool(title.strip() or description.strip()),
        "resume": resume,
    }
    name = "knowledge/suggest.html#panel" if request.htmx else "knowledge/suggest.html"
    return render(request, name, context)


@vary_on_headers("HX-Request")
@login_required
@require_POST
def deflect(request):
    _check(request.user, perms.Action.DEFLECT)
    enterprise = _enterprise_of(request.user, request.POST.get("enterprise"))
    if enterprise is None:
        raise PermissionDenied
    entry = similar_request = None
    raw_entry, raw_request = request.POST.get("entry", ""), request.POST.get("request", "")
    if raw_entry.isdigit():
        entry = selectors.entry_visible_to(request.user).filter(status=EntryStatus.PUBLISHED, pk=int(raw_entry)).first()
    elif raw_request.isdigit():
        similar_request = Request.objects.filter(
            pk=int(raw_request),
            status__in=[Status.ANSWERED, Status.CLOSED],
            outcome=Outcome.RESOLVED,
            region__path__startswith=selectors.district_path(enterprise.region),
        ).first()
    try:
        services.deflection_record(
            actor=request.user,
            enterprise=enterprise,
            entry=entry,
            similar_request=similar_request,
            title=request.POST.get("title", ""),
            category=_category(request.POST.get("category")),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("issues:request_create")
    if request.htmx:
        return render(request, "knowledge/suggest.html#thanks", {})
    messages.success(request, _("Glad the answer helped. Nothing was filed; you can file a request at any time."))
    return redirect("issues:my_requests")


@login_required
@require_GET
def policies_for_me(request):
    """The policies matching each of the user's enterprises (a fragment on the enterprise home, or a page)."""
    _check(request.user, perms.Action.DEFLECT)
    enterprises = list(Enterprise.objects.filter(memberships__user=request.user).select_related("region"))
    groups = [{"enterprise": e, "policies": list(selectors.policies_for(e)[:10])} for e in enterprises]
    name = "knowledge/for_me.html#panel" if request.htmx else "knowledge/for_me.html"
    return render(request, name, {"groups": groups})


# ---------------------------------------------------------------------------------------------
# while dispatching, and the dashboard


@login_required
@require_GET
def dispatch_hint(request, pk):
    if not request.user.is_commissioner:
        raise PermissionDenied
    req = access_request(request.user, pk)
    suggestion = selectors.suggest_lead(req)
    name = "knowledge/dispatch_hint.html#panel" if request.htmx else "knowledge/dispatch_hint.html"
    return render(request, name, {"req": req, "suggestion": suggestion})


@login_required
@require_GET
def dashboard(request):
    _check(request.user, perms.Action.DASHBOARD)
    entries = (
        selectors.entry_visible_to(request.user)
        .filter(Q(status=EntryStatus.PUBLISHED) | Q(status=EntryStatus.RETIRED))
        .select_related("department")
    )
    return render(
        request,
        "knowledge/dashboard.html",
        {
            "figures": selectors.entry_figures(entries),
            "hit_rate": selectors.hit_rate(
                DispatchSuggestion.objects.filter(request__region__in=region_scope_for(request.user))
            ),
            "deflected": selectors.deflections_total(),
        },
    )
