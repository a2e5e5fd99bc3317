"""The key-project dashboard and its drill-down lists: thin views around supervision/project_board.py."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from .project_board import (
    FIGURE_CARDS,
    FIGURES,
    ProjectFilterForm,
    board_for,
    chart_data,
    drill_projects,
    drill_totals,
    supervised_projects,
)
from .selectors import Scope
from .views import PAGE_SIZE, supervisor_required


def _filtered(request, stage: str = ""):
    scope = Scope.of(request.user)
    form = ProjectFilterForm(request.GET, scope=scope)
    filters, notes = form.filters(stage)
    for note in notes:
        messages.warning(request, note)
    return scope, form, filters


@supervisor_required
@require_GET
def projects(request):
    scope, form, filters = _filtered(request)
    base = supervised_projects(request.user, filters, scope)
    board = board_for(base, filters, scope, timezone.localdate())
    query = urlencode(filters.as_params())
    drill = reverse("supervision:project_list")
    cards = [
        {
            "name": name,
            "label": FIGURES[name].label,
            "help": FIGURES[name].help,
            "value": board.figures[name],
            "url": f"{drill}?{urlencode({**filters.as_params(), 'figure': name})}",
        }
        for name in FIGURE_CARDS
    ]
    return render(
        request,
        "supervision/projects.html",
        {
            "form": form,
            "filters": filters,
            "board": board,
            "cards": cards,
            "query": query,
            "drill": drill,
            "chart_data": chart_data(board, f"{drill}?{urlencode({**filters.as_params(), 'figure': 'all'})}"),
        },
    )


@vary_on_headers("HX-Request")
@supervisor_required
@require_GET
def project_list(request):
    scope, form, filters = _filtered(request, request.GET.get("stage", ""))
    figure = request.GET.get("figure", "all")
    if figure not in FIGURES:
        messages.warning(request, _("Unknown figure “%(figure)s”; all projects are listed.") % {"figure": figure[:40]})
        figure = "all"
    qs = drill_projects(supervised_projects(request.user, filters, scope), figure, timezone.localdate())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({**filters.as_params(), "figure": figure})
    template = "supervision/project_list.html#rows" if request.htmx else "supervision/project_list.html"
    return render(
        request,
        template,
        {
            "form": form,
            "filters": filters,
            "figure": FIGURES[figure],
            "figure_name": figure,
            "page": page,
            "totals": drill_totals(qs),
            "query": query,
            "dashboard_query": urlencode({k: v for k, v in filters.as_params().items() if k != "stage"}),
        },
    )
