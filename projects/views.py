"""Thin views over the project selectors and services; the rules are in permissions.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from portal.orgs.models import Region
from portal.orgs.selectors import region_scope_for
from portal.uploads import attachment_response

from . import forms, services
from . import permissions as perms
from .filters import ProjectFilter
from .models import ProjectPhoto
from .selectors import decorate, my_projects_for, project_for, project_visible_to

PAGE_SIZE = 25


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


def _errors(error: ValidationError) -> list[str]:
    return list(error.messages)


@vary_on_headers("HX-Request")
@login_required
@require_GET
def project_list(request):
    """Every project the user may see, filtered: supervisors' region subtree, commissioners', administrators'."""
    user = request.user
    _require(user.is_commissioner or user.is_supervisor or user.is_administrator)
    regions = Region.objects.all() if user.is_administrator or not user.is_supervisor else region_scope_for(user)
    queryset = project_visible_to(user).select_related("region", "leader", "enterprise").order_by("name", "pk")
    project_filter = ProjectFilter(request.GET or None, queryset=queryset, regions=regions.order_by("path"))
    page = Paginator(project_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = decorate(page.object_list, rules=project_filter.rules)
    template = "projects/list.html#rows" if request.htmx else "projects/list.html"
    return render(request, template, {"filter": project_filter, "page": page, "rows": rows})


@login_required
@require_GET
def my_projects(request):
    """ "My projects": the commissioner's paired projects, the enterprise's own."""
    user = request.user
    _require(user.is_commissioner or user.is_enterprise_user)
    queryset = my_projects_for(user).select_related("region", "leader", "enterprise").order_by("name", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/mine.html", {"page": page, "rows": decorate(page.object_list)})


def _timeline(project) -> list[dict]:
    """Stage changes, reports, visits, photos and linked requests, newest first."""
    items = []
    for change in project.stage_changes.select_related("actor"):
        items.append({"kind": "stage", "on": change.changed_on, "obj": change})
    for report in project.reports.select_related("filed_by"):
        items.append({"kind": "report", "on": report.filed_at.date(), "obj": report})
    for visit in project.visits.select_related("commissioner"):
        items.append({"kind": "visit", "on": visit.visited_on, "obj": visit})
    for photo in project.photos.select_related("uploaded_by"):
        items.append({"kind": "photo", "on": timezone.localdate(photo.created_at), "obj": photo})
    for req in project.requests.order_by("-submitted_at"):
        items.append({"kind": "request", "on": timezone.localdate(req.submitted_at), "obj": req})
    return sorted(items, key=lambda item: item["on"], reverse=True)


def _detail_context(request, project, **forms_given) -> dict:
    actions = perms.actions_for(request.user, project)
    today = timezone.localdate()
    context = {
        "project": decorate([project], today)[0],
        "actions": {action.value for action in actions},
        "timeline": _timeline(project),
        "pairings": project.pairings.active(today).select_related("commissioner"),
        "requests": project.requests.order_by("-submitted_at"),
    }
    if perms.Action.CHANGE_STAGE in actions:
        context["stage_form"] = forms_given.get("stage_form") or forms.StageForm(initial={"changed_on": today})
    if perms.Action.FILE_REPORT in actions:
        context["report_form"] = forms_given.get("report_form") or forms.ReportForm(project=project)
    if perms.Action.UPLOAD_PHOTO in actions:
        context["photo_form"] = forms_given.get("photo_form") or forms.PhotoForm()
    return context


@login_required
@require_GET
def project_detail(request, pk):
    project = project_for(request.user, pk)
    return render(request, "projects/detail.html", _detail_context(request, project))


@login_required
@require_GET
def project_card(request, pk):
    """The printable project card (项目卡)."""
    project = project_for(request.user, pk)
    if not perms.allowed(request.user, perms.Action.PRINT_CARD, project):
        raise Http404
    today = timezone.localdate()
    return render(
        request,
        "projects/card.html",
        {
            "project": decorate([project], today)[0],
            "pairings": project.pairings.active(today).select_related("commissioner"),
            "changes": project.stage_changes.all(),
            "reports": project.reports.all()[:6],
            "open_requests": project.requests.exclude(status__in=["closed", "withdrawn"]).count(),
            "today": today,
        },
    )


def _act(request, project, action: perms.Action) -> None:
    verdict = perms.allowed(request.user, action, project)
    if not verdict:
        raise PermissionDenied(verdict.reason)


@login_required
@require_POST
def project_stage(request, pk):
    project = project_for(request.user, pk)
    _act(request, project, perms.Action.CHANGE_STAGE)
    form = forms.StageForm(request.POST)
    if form.is_valid():
        try:
            services.project_change_stage(project_id=project.pk, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The stage has been changed."))
            return redirect("projects:detail", project.pk)
    return render(request, "projects/detail.html", _detail_context(request, project, stage_form=form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request, pk):
    """The half-monthly report form (also on the project page); a problem becomes a request."""
    project = project_for(request.user, pk)
    _act(request, project, perms.Action.FILE_REPORT)
    form = forms.ReportForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_file(
                project_id=project.pk,
                actor=request.user,
                period_start=data["period"],
                progress=data["progress"],
                investment=data["investment"],
                stage=data["stage"],
                stage_reason=data["stage_reason"],
                problems=data["problems"],
                problem_category=data["problem_category"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if data["problems"].strip():
                messages.success(request, _("The report has been filed and the problem sent as a request."))
            else:
                messages.success(request, _("The report has been filed."))
            return redirect("projects:detail", project.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/report_form.html", {"project": project, "form": form}, status=status)


@login_required
@require_POST
def photo_upload(request, pk):
    project = project_for(request.user, pk)
    _act(request, project, perms.Action.UPLOAD_PHOTO)
    form = forms.PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            photos = services.photo_upload(
                project_id=project.pk,
                actor=request.user,
                files=form.cleaned_data["photos"],
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as error:
            form.add_error("photos", error)
        else:
            messages.success(request, _("%(n)d photo(s) uploaded.") % {"n": len(photos)})
            return redirect(reverse("projects:detail", args=[project.pk]) + "#photos")
    return render(request, "projects/detail.html", _detail_context(request, project, photo_form=form), status=400)


@login_required
@require_GET
def photo_download(request, token):
    photo = ProjectPhoto.objects.filter(token=token, project__in=project_visible_to(request.user)).first()
    if photo is None:
        raise Http404
    return attachment_response(photo)
