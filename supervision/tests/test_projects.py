"""The key project dashboard on hand-counted projects, frozen on 2026-03-04 (grace 3 days: the reports of
the four half-months from 1 January to 28 February are due; stalled after 60 days: before 3 January).

Kuiwen (dora):
  p1 started, provincial, plan 100 / done 40, reports: on time, on time, late, on time
  p2 negotiating, county, no report at all, no progress since 2025-10-01: stalled and report late
  p3 in operation, city, in the Kuiwen town, reports from February (both on time), one open request
  p4 completed, county, plan 80 / done 80 (never stalled, never late)
Fangzi (dan): p5 signed, city, no report, no progress since 2025-12-01: stalled and report late
"""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode
from openpyxl import load_workbook

from issues.models import Visit
from issues.tests.factories import make_request
from portal.accounts.models import AuditEvent
from projects.models import ProgressReport, Project
from supervision.models import RankingWeights
from supervision.project_board import FIGURES
from supervision.ranking import ranking_rows
from supervision.services import ranking_publish

TODAY = datetime.datetime(2026, 3, 4, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
D = datetime.date
PERIODS = [(D(2026, 1, 1), D(2026, 1, 15)), (D(2026, 1, 16), D(2026, 1, 31)), (D(2026, 2, 1), D(2026, 2, 15))]
PERIODS.append((D(2026, 2, 16), D(2026, 2, 28)))


def _project(name, region, stage, level, planned, completed, **kw):
    kw.setdefault("reports_from", D(2026, 1, 1))
    kw.setdefault("last_progress_on", D(2026, 2, 28))
    return Project.objects.create(
        name=name,
        region=region,
        stage=stage,
        level=level,
        total_investment=Decimal(1000),
        planned_investment=Decimal(planned),
        completed_investment=Decimal(completed),
        stage_changed_on=D(2025, 6, 1),
        **kw,
    )


def _reports(project, user, on_time_flags, periods=PERIODS):
    for (start, end), on_time in zip(periods, on_time_flags, strict=True):
        ProgressReport.objects.create(
            project=project,
            period_start=start,
            period_end=end,
            progress="按计划推进",
            stage=project.stage,
            filed_by=user,
            on_time=on_time,
        )
    project.reported_through = periods[-1][1]
    project.save(update_fields=["reported_through"])


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY


@pytest.fixture
def board(frozen, kuiwen, kuiwen_town, fangzi, acme, globex, alice, bob):
    p1 = _project("一号项目", kuiwen, "started", "province", 100, 40, enterprise=acme, industry="manufacturing")
    _reports(p1, bob, [True, True, False, True])
    p2 = _project("二号项目", kuiwen, "negotiating", "county", 0, 0, last_progress_on=D(2025, 10, 1), industry="energy")
    p3 = _project("三号项目", kuiwen_town, "operating", "city", 200, 180, enterprise=acme, reports_from=D(2026, 2, 1))
    _reports(p3, bob, [True, True], PERIODS[2:])
    p4 = _project("四号项目", kuiwen, "completed", "county", 80, 80, last_progress_on=D(2025, 1, 1))
    p5 = _project("五号项目", fangzi, "signed", "city", 50, 5, enterprise=globex, last_progress_on=D(2025, 12, 1))
    open_request = make_request(acme, alice, project=p3)
    return {"p": [p1, p2, p3, p4, p5], "open_request": open_request}


def _get(client, user, name, **params):
    client.force_login(user)
    return client.get(f"{reverse(name)}?{urlencode(params)}")


def _list_count(client, user, **params) -> int:
    response = _get(client, user, "supervision:project_list", **params)
    assert response.status_code == 200
    return response.context["page"].paginator.count


EXPECTED = {
    # all, started, stalled, report_late, open_requests, start rate, reports due, on time, rate
    "dave": (5, 3, 2, 2, 1, Decimal("60.0"), 14, 5, Decimal("35.7")),
    "dora": (4, 3, 1, 1, 1, Decimal("75.0"), 10, 5, Decimal("50.0")),
    "dan": (1, 0, 1, 1, 0, Decimal("0.0"), 4, 0, Decimal("0.0")),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_it_counts_the_hand_built_projects_for_each_supervisor(client, board, request, role):
    response = _get(client, request.getfixturevalue(role), "supervision:projects")
    assert response.status_code == 200
    b = response.context["board"]
    f = b.figures
    assert (
        f["all"],
        f["started"],
        f["stalled"],
        f["report_late"],
        f["open_requests"],
        f["start_rate"],
        b.reports["due"],
        b.reports["on_time"],
        b.reports["rate"],
    ) == EXPECTED[role]


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_figure_equals_its_drill_down_list(client, board, request, role):
    user = request.getfixturevalue(role)
    b = _get(client, user, "supervision:projects").context["board"]
    for name in FIGURES:
        assert _list_count(client, user, figure=name) == b.figures[name], name
    for row in b.by_stage:
        assert _list_count(client, user, figure="all", stage=row["stage"]) == row["count"], row["stage"]
    for row in b.by_region:
        response = _get(client, user, "supervision:project_list", figure="all", region=row["id"])
        totals = response.context["totals"]
        assert (totals["count"], totals["planned"], totals["completed"]) == (
            row["count"],
            row["planned"],
            row["completed"],
        ), row["name"]
    for row in b.by_level:
        response = _get(client, user, "supervision:project_list", figure="all", level=row["level"])
        totals = response.context["totals"]
        assert (totals["count"], totals["planned"], totals["completed"]) == (
            row["count"],
            row["planned"],
            row["completed"],
        )


def test_it_sums_investment_by_level_and_region_against_plan(client, board, dora, kuiwen_town):
    b = _get(client, dora, "supervision:projects").context["board"]
    levels = {row["level"]: (row["count"], row["planned"], row["completed"], row["rate"]) for row in b.by_level}
    assert levels == {
        "province": (1, Decimal(100), Decimal(40), Decimal("40.0")),
        "city": (1, Decimal(200), Decimal(180), Decimal("90.0")),
        "county": (2, Decimal(80), Decimal(80), Decimal("100.0")),
    }
    regions = {row["name"]: (row["count"], row["planned"]) for row in b.by_region}
    assert regions[kuiwen_town.name] == (1, Decimal(200))
    assert [p.name for p in b.open_requests] == ["三号项目"] and b.open_requests[0].open_count == 1


def test_it_filters_by_level_and_industry(client, board, dave):
    assert _get(client, dave, "supervision:projects", level="city").context["board"].figures["all"] == 2
    assert _get(client, dave, "supervision:projects", industry="energy").context["board"].figures["all"] == 1


def test_dora_never_sees_fangzi_even_when_she_asks_for_it(client, board, dora, fangzi):
    response = _get(client, dora, "supervision:project_list", figure="all", region=fangzi.pk)
    names = {p.name for p in response.context["page"]}
    assert "五号项目" not in names and len(names) == 4
    assert any("default" in str(m) or "默认" in str(m) for m in response.context["messages"])


def test_an_unknown_figure_lists_every_project_with_a_warning(client, board, dan):
    response = _get(client, dan, "supervision:project_list", figure="nonsense")
    assert response.status_code == 200 and response.context["figure_name"] == "all"
    assert response.context["page"].paginator.count == 1


def test_the_dashboard_takes_the_same_number_of_queries_for_more_projects(client, board, dave, kuiwen, acme, alice):
    client.force_login(dave)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("supervision:projects")).status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first page of a session saves it (the language, the idle clock)
    before = queries()
    for i in range(10):
        p = _project(f"新增项目{i}", kuiwen, "started", "city", 10, 1, enterprise=acme)
        make_request(acme, alice, project=p)
    assert queries() == before
    # the page shell (session, user, navigation, notifications), scope, form regions, policies (2),
    # figures, regions, levels, open requests, reports (2)
    assert before <= 15


def test_the_drill_down_list_takes_a_fixed_number_of_queries(client, board, dave, django_assert_max_num_queries):
    client.force_login(dave)
    # the page shell (session, user, navigation, notifications), scope, form region, policies (2),
    # count, totals, page
    with django_assert_max_num_queries(15):
        client.get(f"{reverse('supervision:project_list')}?figure=all")


def _workbook(response) -> list[tuple]:
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


def test_dora_exports_the_list_behind_a_figure_with_phones_masked(client, board, dora, acme):
    acme.contact_phone = "13812345678"
    acme.save(update_fields=["contact_phone"])
    client.force_login(dora)
    url = f"{reverse('supervision:export', args=['project_list'])}?figure=started"
    assert client.get(url).status_code == 200  # the confirmation page
    rows = _workbook(client.post(url))
    assert len(rows) - 1 == 3
    assert {row[0] for row in rows[1:]} == {"一号项目", "三号项目", "四号项目"}
    assert all("13812345678" not in str(cell) for row in rows for cell in row)
    assert any(row[4] == "138****5678" for row in rows[1:])
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.target == "ledger project_list" and event.detail["rows"] == 3


def test_the_dashboard_workbook_holds_the_figures_of_the_scope(client, board, dan):
    client.force_login(dan)
    rows = _workbook(client.post(reverse("supervision:export", args=["projects"])))
    figures = dict(zip(FIGURES, (row[2] for row in rows[1:]), strict=False))
    assert figures["all"] == 1 and figures["stalled"] == 1 and figures["stage_signed"] == 1


def test_others_cannot_reach_the_project_dashboard_or_its_exports(client, board, alice, bob, carol):
    for user in (alice, bob, carol):
        client.force_login(user)
        assert client.get(reverse("supervision:projects")).status_code == 403
        assert client.get(reverse("supervision:project_list")).status_code == 403
        assert client.post(reverse("supervision:export", args=["project_list"])).status_code == 403


# ---------------------------------------------------------------------------------------------
# project service in the monthly ranking


def test_project_service_joins_the_ranking_of_districts_and_stays_in_the_published_month(
    board, kuiwen, fangzi, bob, alice, acme, globex, carl
):
    p1, p2, p3, _p4, p5 = board["p"]
    # February's requests of both districts (so both rank), and visits: p1 visited in 2 of its windows
    with time_machine.travel(datetime.datetime(2026, 2, 10, 10, tzinfo=TODAY.tzinfo), tick=False):
        make_request(acme, alice)
        make_request(globex, carl, source="phone")
    Visit.objects.create(commissioner=bob, project=p1, visited_on=D(2026, 2, 3))
    Visit.objects.create(commissioner=bob, project=p1, visited_on=D(2026, 2, 11))
    RankingWeights.objects.create(project_service=Decimal(10))
    rows = {r["unit_name"]: r for r in ranking_rows("region", D(2026, 2, 1))}
    kw, fz = rows[kuiwen.name], rows[fangzi.name]
    # February in Kuiwen: reports late-due inside February are Jan 16–31 (due Feb 4) and Feb 1–15 (Feb 19):
    # p1 on time + late, p2 none, p3 Feb 1–15 on time → 2 of 5; visits: 2 of p1's windows ended in February
    # had a visit, p2's and p3's none.
    assert kw["project_service"] is not None and fz["project_service"] == Decimal("0.0")
    assert kw["project_service"] > fz["project_service"]
    snapshot = ranking_publish(month=D(2026, 2, 1), kind="region")
    entry = snapshot.entries.get(region=kuiwen)
    assert entry.project_service == kw["project_service"]
    assert snapshot.weights["project_service"] == "10.00"
    # the published entry keeps its figure when the projects change afterwards
    ProgressReport.objects.filter(project=p1).update(on_time=True)
    assert snapshot.entries.get(region=kuiwen).project_service == kw["project_service"]


def test_a_unit_without_projects_ranks_as_before(month, at_later):
    rows = ranking_rows("region", D(2025, 3, 1), now=at_later)
    assert rows and all(r["project_service"] is None for r in rows)
    weights = RankingWeights(project_service=Decimal(50))
    again = ranking_rows("region", D(2025, 3, 1), now=at_later, weights=weights)
    assert [r["score"] for r in again] == [r["score"] for r in rows]
