"""The aggregate behind the dashboard: kept current by the refresh, equal to the live lists."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from issues import services as s
from issues.models import Card, Category
from supervision.forms import SupervisionFilterForm
from supervision.metrics import METRICS
from supervision.models import DailyStat, Grain, MonthlyStat, StatRefresh
from supervision.selectors import Scope, dashboard_for, drill_requests, supervised_requests
from supervision.services import _month_runs, stat_days_mark, stats_refresh, timings_refresh

from .conftest import LATER, MARCH


def figures_and_lists(user, now, params=MARCH):
    filters, _notes = SupervisionFilterForm(params, user=user).filters()
    scope = Scope.of(user)
    base = supervised_requests(user, filters, scope=scope)
    figures = dashboard_for(base, filters, scope, now).figures
    return figures, {name: drill_requests(base, name, now).count() for name in METRICS}


def assert_figures_equal_lists(user, now, params=MARCH):
    figures, lists = figures_and_lists(user, now, params)
    assert {name: figures[name] for name in METRICS} == lists
    return figures


def stored_rows():
    fields = [f.name for f in DailyStat._meta.fields if f.name != "id"]
    return sorted(DailyStat.objects.values_list(*fields), key=repr), MonthlyStat.objects.count()


def test_it_counts_a_dispatch_at_the_next_refresh(month, dave, bob, housing_bureau):
    timings_refresh()
    stats_refresh(now=LATER)
    before = assert_figures_equal_lists(dave, LATER)
    moment = LATER + timedelta(hours=1)
    with time_machine.travel(moment, tick=False):
        s.request_dispatch(req_id=month.r[5].pk, actor=bob, lead=housing_bureau)
    assert figures_and_lists(dave, moment)[0]["dispatched_late"] == before["dispatched_late"]  # not yet refreshed
    assert stats_refresh(now=moment + timedelta(minutes=1)) == 1  # only r5's day
    after = assert_figures_equal_lists(dave, moment + timedelta(minutes=1))
    assert after["open"] == 1 and after["dispatch_timed"] == before["dispatch_timed"]
    incremental = stored_rows()
    stats_refresh(now=moment + timedelta(minutes=1), full=True)
    assert stored_rows() == incremental


def test_it_counts_a_revoked_card_and_new_working_hours(month, dave):
    stats_refresh(now=LATER)
    assert figures_and_lists(dave, LATER)[0]["yellow_cards"] == 1
    moment = LATER + timedelta(minutes=30)
    Card.objects.filter(request=month.r[5], kind="yellow").update(revoked_at=moment)
    timings_refresh()  # marks the days whose working hours it counted
    stats_refresh(now=moment)
    figures = assert_figures_equal_lists(dave, moment)
    assert figures["yellow_cards"] == 0
    assert figures["dispatch_timed"] == 5


def test_it_counts_a_deadline_passing_without_any_change(month, dave, alice):
    submitted = LATER + timedelta(days=3)  # Thursday 20 March
    with time_machine.travel(submitted, tick=False):
        req = s.request_submit(
            actor=alice,
            enterprise=alice.enterprise_memberships.first().enterprise,
            category=month.category,
            title="新诉求",
            description="说明",
        )
    stats_refresh(now=submitted + timedelta(minutes=1))
    fresh = assert_figures_equal_lists(dave, submitted + timedelta(minutes=1))
    later = req.answer_due_at + timedelta(hours=1)
    stats_refresh(now=later)
    figures = assert_figures_equal_lists(dave, later)
    assert figures["dispatched_late"] == fresh["dispatched_late"] + 1
    assert figures["answered_late"] == fresh["answered_late"] + 1
    assert figures["overdue"] == fresh["overdue"] + 1


@pytest.mark.parametrize(
    "params",
    [
        MARCH,
        {"period": "custom", "from": "2025-01-01", "to": "2025-12-31"},
        {"period": "custom", "from": "2025-02-15", "to": "2025-06-10"},
    ],
)
@pytest.mark.parametrize("who", ["dave", "dora"])
def test_days_and_whole_months_add_up_to_the_lists(month, request, who, params, housing_bureau):
    timings_refresh()
    stats_refresh(now=LATER)
    user = request.getfixturevalue(who)
    assert_figures_equal_lists(user, LATER, params)
    assert_figures_equal_lists(user, LATER, {**params, "department": str(housing_bureau.pk)})
    assert_figures_equal_lists(user, LATER, {**params, "category": str(month.category.pk), "source": "portal"})


def test_the_department_chart_counts_lead_departments(month, dave, housing_bureau):
    stats_refresh(now=LATER)
    filters, _notes = SupervisionFilterForm(MARCH, user=dave).filters()
    scope = Scope.of(dave)
    charts = dashboard_for(supervised_requests(dave, filters, scope=scope), filters, scope, LATER).charts
    rows = {row["name"]: (row["received"], row["resolved"]) for row in charts["department"]}
    assert rows == {housing_bureau.name: (3, 3), month.fz_bureau.name: (1, 1)}
    assert sum(row["received"] for row in charts["region"]) == 6


def test_a_marked_day_is_counted_again(month, dave):
    stats_refresh(now=LATER)
    DailyStat.objects.all().delete()  # as if the rows were lost
    stat_days_mark(days=[LATER.date().replace(day=3)])
    assert stats_refresh(now=LATER) == 1
    assert_figures_equal_lists(dave, LATER)


def test_the_dashboard_counts_the_figures_itself_when_the_beat_is_late(month, client, dave, at_later):
    client.force_login(dave)
    response = client.get(reverse("supervision:dashboard"), MARCH)
    assert StatRefresh.objects.get().as_of == LATER
    assert response.context["as_of"] == LATER
    assert "Figures as of" in response.content.decode() or "数据截至" in response.content.decode()
    cards = {c["name"]: c["value"] for c in response.context["cards"]}
    assert cards["received"] == 6


def every_stored_row():
    """Both aggregate tables, row by row (sums of working hours to the microhour: added up in another
    order a float sum may differ in its last bit)."""
    tables = []
    for model in (DailyStat, MonthlyStat):
        fields = [f.name for f in model._meta.fields if f.name != "id"]
        stored = model.objects.values_list(*fields)
        rows = [tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in stored]
        tables.append(sorted(rows, key=repr))
    return tables


def test_the_refresh_after_changes_equals_a_full_rebuild(month, dave, alice, bob, housing_bureau):
    timings_refresh()
    stats_refresh(now=LATER)
    moment = LATER + timedelta(hours=1)
    with time_machine.travel(moment, tick=False):
        # r5 gets a lead department: it leaves the month's row without one for the housing bureau's
        s.request_dispatch(req_id=month.r[5].pk, actor=bob, lead=housing_bureau)
    stats_refresh(now=moment + timedelta(minutes=1))
    april = LATER.replace(month=4, day=1)
    new = {"actor": alice, "enterprise": alice.enterprise_memberships.first().enterprise, "description": "说明"}
    with time_machine.travel(april, tick=False):  # a month with no figures yet
        req = s.request_submit(**new, category=month.category, title="四月")
    stats_refresh(now=april + timedelta(minutes=1))
    with time_machine.travel(april + timedelta(hours=1), tick=False):
        # its only request gets a lead department: the month's row without one goes
        s.request_dispatch(req_id=req.pk, actor=bob, lead=housing_bureau)
        other = Category.objects.exclude(pk=month.category.pk).first()
        s.request_withdraw(req_id=s.request_submit(**new, category=other, title="四月二").pk, actor=alice)
    timings_refresh()
    stats_refresh(now=april + timedelta(hours=2))
    incremental = every_stored_row()
    april_rows = MonthlyStat.objects.filter(month=april.date(), grain=Grain.DEPARTMENTS)
    assert {row[0]: row[1:] for row in april_rows.values_list("lead_department_id", "received", "withdrawn")} == {
        None: (0, 1),
        housing_bureau.pk: (1, 0),
    }
    assert assert_figures_equal_lists(dave, april + timedelta(hours=2))["dispatch_timed"] == 6
    stats_refresh(now=april + timedelta(hours=2), full=True)
    assert every_stored_row() == incremental


def test_recounted_days_never_cross_a_month():
    days = [date(2025, 3, 30), date(2025, 3, 31), date(2025, 4, 1), date(2025, 4, 3)]
    assert _month_runs(days) == [
        (date(2025, 3, 30), date(2025, 3, 31)),
        (date(2025, 4, 1), date(2025, 4, 1)),
        (date(2025, 4, 3), date(2025, 4, 3)),
    ]
    # the full rebuild's contiguous days: a statement per month
    every_day = [date(2025, 2, 15) + timedelta(days=n) for n in range(60)]
    assert _month_runs(every_day) == [
        (date(2025, 2, 15), date(2025, 2, 28)),
        (date(2025, 3, 1), date(2025, 3, 31)),
        (date(2025, 4, 1), date(2025, 4, 15)),
    ]


@pytest.mark.parametrize("params", [MARCH, {"period": "custom", "from": "2025-01-01", "to": "2025-12-31"}])
def test_counting_the_requests_draws_what_the_stored_grains_draw(month, dave, params, monkeypatch):
    """Views filtered by department, source or industry count the requests themselves: the same page
    counted that way shows the same figures and charts as from the stored grains."""
    import supervision.selectors as selectors

    timings_refresh()
    stats_refresh(now=LATER)
    filters, _notes = SupervisionFilterForm(params, user=dave).filters()
    scope = Scope.of(dave)
    base = supervised_requests(dave, filters, scope=scope)
    stored = dashboard_for(base, filters, scope, LATER)
    monkeypatch.setattr(selectors, "_grain_for", lambda filters: (None, None))
    counted = dashboard_for(base, filters, scope, LATER)
    assert counted.figures == stored.figures
    assert counted.charts == stored.charts
    assert stored.charts["department"] and sum(row["received"] for row in stored.charts["region"]) == 6


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom", "from": "2025-02-15", "to": "2025-06-10"},  # days, whole months, days
        {"period": "custom", "from": "2025-03-03", "to": "2025-07-31"},  # the requests' month in days
        {"period": "custom", "from": "2025-03-01", "to": "2025-05-31"},  # ≤ 92 days: weeks from the days
        {"period": "custom", "from": "2025-01-01", "to": "2025-06-30"},  # whole months only
    ],
)
@pytest.mark.parametrize("filtered", [{}, {"category": "first"}], ids=["unfiltered", "category"])
def test_the_stored_grains_read_in_one_query_draw_what_counting_the_requests_draws(
    month, dave, params, filtered, monkeypatch, django_assert_num_queries
):
    """The figures and the four charts are summed from both stored grains in one statement, for every
    shape of period (loose days before or after whole months, no whole month, weeks), and draw what
    counting the requests draws."""
    import supervision.selectors as selectors

    timings_refresh()
    stats_refresh(now=LATER)
    if filtered:
        params = {**params, "category": str(month.category.pk)}
    filters, _notes = SupervisionFilterForm(params, user=dave).filters()
    scope = Scope.of(dave)
    base = supervised_requests(dave, filters, scope=scope)
    # the stored grains (one query), the department chart counted from the requests under a category
    # filter, and the live open/overdue count
    with django_assert_num_queries(3 if filtered else 2):
        stored = dashboard_for(base, filters, scope, LATER)
    monkeypatch.setattr(selectors, "_grain_for", lambda filters: (None, None))
    counted = dashboard_for(base, filters, scope, LATER)
    assert counted.figures == stored.figures
    assert counted.charts == stored.charts
    assert stored.figures["received"] == 6 and stored.charts["trend"]["received"]
    assert stored.charts["department"] and sum(row["received"] for row in stored.charts["region"]) == 6


def test_the_full_rebuild_leaves_the_planner_statistics_of_what_it_wrote(month):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    stats_refresh(now=LATER, full=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class"
            " WHERE relname IN ('supervision_dailystat', 'supervision_monthlystat')"
        )
        planned = dict(cursor.fetchall())
    assert planned == {
        "supervision_dailystat": DailyStat.objects.count(),
        "supervision_monthlystat": MonthlyStat.objects.count(),
    }
