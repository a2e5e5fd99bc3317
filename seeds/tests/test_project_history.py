"""The demo city's key projects: counts, history and the figures they give, seeded once."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from issues.models import Request, Visit
from portal.orgs.models import Region
from projects.models import ProgressReport, Project, Stage, StageChange
from supervision.project_board import ProjectFilters, board_for, supervised_projects
from supervision.selectors import Scope

pytestmark = pytest.mark.django_db


def _counts():
    return {
        "projects": Project.objects.count(),
        "changes": StageChange.objects.count(),
        "reports": ProgressReport.objects.count(),
        "visits": Visit.objects.count(),
        "requests": Request.objects.count(),
        "linked": Request.objects.filter(project__isnull=False).count(),
    }


def test_the_demo_projects_have_a_history_every_figure_can_show(django_user_model):
    call_command("seed_demo", stdout=io.StringIO())
    kuiwen, fangzi = Region.objects.get(code="370705"), Region.objects.get(code="370704")
    assert Project.objects.filter(region=kuiwen).count() == 80
    assert Project.objects.filter(region=fangzi).count() == 89
    assert Project.objects.exclude(region__in=[kuiwen, fangzi]).exists()
    assert set(Project.objects.values_list("stage", flat=True)) == set(Stage.values)
    first = _counts()
    assert first["linked"] > 0 and ProgressReport.objects.filter(on_time=False).exists()

    today = timezone.localdate()
    for code in ("370705", "370704"):
        supervisor = django_user_model.objects.get(username="dudao_kw" if code == "370705" else "dudao_fz")
        scope = Scope.of(supervisor)
        filters = ProjectFilters()
        board = board_for(supervised_projects(supervisor, filters, scope), filters, scope, today)
        figures = board.figures
        assert figures["all"] >= 80 and 0 < figures["started"] < figures["all"]
        assert figures["stalled"] > 0 and figures["open_requests"] >= 0
        assert board.reports["due"] > board.reports["on_time"] > 0

    # the linked requests are requests of the history: seeding again creates or links nothing
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
