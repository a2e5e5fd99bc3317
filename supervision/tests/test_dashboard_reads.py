"""The dashboards read each chart already grouped by the database: the charts still add up to the
figures and equal the lists behind them, the pages take a fixed number of queries whatever the
number of regions, departments and projects, and the project dashboard's report figures equal the
half-month walk of the reminder sweep."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from issues.tests.factories import make_request
from portal.orgs import factories as f
from projects.models import ProgressReport, Project
from projects.reminders import report_due
from projects.selectors import DEFAULT_RULES, Rules
from supervision.forms import PlainSelect, SupervisionFilterForm
from supervision.project_board import reports_due_and_on_time
from supervision.selectors import Scope
from supervision.services import stats_refresh

from .conftest import MARCH

D = datetime.date


def _dashboard(client, user, params):
    client.force_login(user)
    response = client.get(reverse("supervision:dashboard"), params)
    assert response.status_code == 200
    return response.context


def _drill_count(client, params) -> int:
    response = client.get(reverse("supervision:drill"), params)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def test_each_region_bar_and_category_equals_its_drill_down_list(month, client, dave, at_later):
    stats_refresh()
    context = _dashboard(client, dave, MARCH)
    charts, figures = context["chart_data"], context["figures"]
    assert [row["name"] for row in charts["region"]] == ["坊子区", "奎文区"]
    assert sum(row["received"] for row in charts["category"]) == figures["received"] == 6
    assert sum(charts["trend"]["received"]) == 6 and sum(charts["trend"]["resolved"]) == figures["resolved"]
    for row in charts["region"]:
        assert row["received"] == _drill_count(client, {**MARCH, "region": row["id"], "metric": "received"})
        assert row["resolved"] == _drill_count(client, {**MARCH, "region": row["id"], "metric": "resolved"})
    for row in charts["category"]:
        assert row["received"] == _drill_count(client, {**MARCH, "category": row["id"], "metric": "received"})
    for row in charts["department"]:
        assert row["received"] == _drill_count(client, {**MARCH, "department": row["id"], "metric": "received"})


# a source filter counts the requests themselves, a category filter its department chart
@pytest.mark.parametrize(
    "filtered", [{}, {"source": "hotline"}, {"category": "first"}], ids=["unfiltered", "source", "category"]
)
@pytest.mark.parametrize("who", ["dave", "dora", "two_cities"])
def test_every_dashboard_takes_the_same_queries_for_more_regions_and_departments(
    month, client, request, who, filtered, at_later, django_assert_max_num_queries
):
    params = {"period": "year", **filtered}
    if filtered.get("category"):
        params["category"] = str(month.category.pk)
    if who == "two_cities":  # a supervisor of two cities: the by-region chart shows both
        user = request.getfixturevalue("dave")
        other = f.RegionFactory(code="370600", name="烟台市", level="city")
        f.supervise(user, other)
    else:
        user = request.getfixturevalue(who)
    stats_refresh()

    def queries():
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("supervision:dashboard"), params).status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first page of a session saves it (the language, the idle clock)
    before = queries()
    city = request.getfixturevalue("city")
    for i in range(5):
        district = f.RegionFactory(code=f"37079{i}", name=f"新区{i}", parent=city)
        f.DepartmentFactory(name=f"新区{i}住建局", region=district)
    stats_refresh()
    assert queries() == before
    # session, user, scope (2), refresh state, figures per category, trend, regions, departments, live
    # open/overdue, visibility, filter choices (departments, categories), notifications
    with django_assert_max_num_queries(14):
        client.get(reverse("supervision:dashboard"), params)


def test_the_filter_choices_are_drawn_as_django_draws_them(month, dave, kuiwen):
    scope = Scope.of(dave)
    params = {"period": "year", "region": str(kuiwen.pk), "department": str(month.fz_bureau.pk)}
    drawn = SupervisionFilterForm(params, user=dave, scope=scope)
    reference = SupervisionFilterForm(params, user=dave)
    for name in ("region", "department", "category"):
        field = reference.fields[name]
        field.widget = forms.Select(attrs=field.widget.attrs, choices=field.choices)
        assert isinstance(drawn.fields[name].widget, PlainSelect)
        ours, django = str(drawn[name]), str(reference[name])
        assert _options(ours) == _options(django) and len(_options(ours)) > 1
        assert ours.splitlines()[0] == f'<select name="{name}" class="form-select form-select-sm" id="id_{name}">'
    assert f'<option value="{kuiwen.pk}" selected>奎文区</option>' in str(drawn["region"])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_filter_select_is_drawn_as_django_draws_it_with_its_choice_kept(month, dave, language):
    """Period, category, industry and source are drawn as one string too, the category labelled as it
    names itself in the page's language (its English name in English)."""
    month.category.name_en = "Planning and land"
    month.category.save(update_fields=["name_en"])
    params = {"period": "custom", "category": str(month.category.pk), "industry": "manufacturing", "source": "hotline"}
    with translation.override(language):
        drawn = SupervisionFilterForm(params, user=dave, scope=Scope.of(dave))
        reference = SupervisionFilterForm(params, user=dave)
        for name in ("period", "category", "industry", "source"):
            field = reference.fields[name]
            field.widget = forms.Select(attrs=field.widget.attrs, choices=field.choices)
            assert isinstance(drawn.fields[name].widget, PlainSelect)
            ours, django = str(drawn[name]), str(reference[name])
            assert _options(ours) == _options(django) and len(_options(ours)) > 2
            assert sum(" selected>" in option for option in _options(ours)) == 1
        label = "Planning and land" if language == "en" else month.category.name
        assert f'<option value="{month.category.pk}" selected>{label}</option>' in str(drawn["category"])


def test_the_filter_choices_take_no_cursor_and_one_query_per_model_choice(month, dave):
    """The category choice is read in one plain query (no server-side cursor on PostgreSQL), the region
    choice from the scope already read: drawing the form takes two queries (departments, categories)."""
    form = SupervisionFilterForm({"period": "year"}, user=dave, scope=Scope.of(dave))
    with CaptureQueriesContext(connection) as ctx:
        for name in form.fields:
            str(form[name])
    assert len(ctx.captured_queries) == 2
    assert not any("CURSOR" in query["sql"] for query in ctx.captured_queries)


def _options(html: str) -> list[str]:
    return [line.strip() for line in html.splitlines() if line.strip().startswith("<option")]


# ---------------------------------------------------------------------------------------------
# key projects


def _walk(projects, today, rules, reports) -> tuple[int, int]:
    """The definition: every half-month the reminder sweep finds due this year, and the on-time reports
    among them."""
    since = today.replace(month=1, day=1)
    due, starts = 0, {}
    for project in projects:
        if project.stage == Project.Stage.COMPLETED:
            continue
        grace = rules.get(project.region_id, DEFAULT_RULES).report_grace_days
        starts[project.pk] = {start for start, _late, _escalate in report_due(project, today, grace, since)}
        due += len(starts[project.pk])
    on_time = sum(
        1 for r in reports if r.on_time and r.period_start >= since and r.period_start in starts.get(r.project_id, ())
    )
    return due, on_time


@pytest.mark.parametrize("today", [D(2026, 1, 2), D(2026, 1, 19), D(2026, 3, 4), D(2026, 12, 31)])
def test_the_reports_figures_equal_the_sweeps_half_month_walk(kuiwen, fangzi, bob, today):
    rules = {kuiwen.pk: Rules(report_grace_days=3), fangzi.pk: Rules(report_grace_days=10)}
    starts = [D(2024, 5, 20), D(2026, 1, 1), D(2026, 1, 15), D(2026, 1, 16), D(2026, 2, 28), D(2026, 7, 31)]
    projects = []
    for i, reports_from in enumerate(starts):
        for region in (kuiwen, fangzi):
            projects.append(
                Project.objects.create(
                    name=f"项目{i}{region.code}",
                    region=region,
                    stage="completed" if i == 2 and region == fangzi else "started",
                    level="city",
                    total_investment=Decimal(10),
                    planned_investment=Decimal(1),
                    completed_investment=Decimal(0),
                    stage_changed_on=D(2025, 6, 1),
                    reports_from=reports_from,
                    last_progress_on=D(2026, 1, 1),
                )
            )
    periods = [(D(2025, 12, 16), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 1, 15)), (D(2026, 1, 16), D(2026, 1, 31))]
    periods += [(D(2026, 2, 16), D(2026, 2, 28)), (D(2026, 7, 16), D(2026, 7, 31)), (D(2026, 12, 1), D(2026, 12, 15))]
    periods += [(D(2026, 3, 5), D(2026, 3, 15))]  # a period start no half-month has: never counted
    for n, project in enumerate(projects):
        for k, (start, end) in enumerate(periods):
            if (n + k) % 3:
                ProgressReport.objects.create(
                    project=project,
                    period_start=start,
                    period_end=end,
                    progress="按计划推进",
                    stage=project.stage,
                    filed_by=bob,
                    on_time=(n + k) % 4 != 0,
                )
    base = Project.objects.filter(pk__in=[p.pk for p in projects])
    expected = _walk(projects, today, rules, list(ProgressReport.objects.all()))
    assert reports_due_and_on_time(base, today, rules) == expected
    assert expected[0] > 0 or today.month == 1


def test_the_project_dashboard_takes_a_fixed_number_of_queries(
    client, dave, kuiwen, acme, alice, django_assert_max_num_queries
):
    for i in range(30):
        project = Project.objects.create(
            name=f"重点项目{i}",
            region=kuiwen,
            stage="started",
            level="city",
            total_investment=Decimal(10),
            planned_investment=Decimal(5),
            completed_investment=Decimal(1),
            stage_changed_on=D(2025, 6, 1),
            reports_from=D(2026, 1, 1),
            last_progress_on=D(2026, 1, 1),
            enterprise=acme,
        )
        if i % 3 == 0:
            make_request(acme, alice, project=project)
    client.force_login(dave)
    # session, user, scope (2), policies (2), figures, regions, levels, open requests and their projects,
    # reports (2), filter form, notifications, session save
    with django_assert_max_num_queries(18):
        response = client.get(reverse("supervision:projects"))
    assert response.status_code == 200
    rows = response.context["board"].open_requests
    assert len(rows) == 10 and all(p.open_count == 1 for p in rows)
    assert [p.name for p in rows] == sorted(p.name for p in rows)
    assert response.context["board"].figures["open_requests"] == 10
