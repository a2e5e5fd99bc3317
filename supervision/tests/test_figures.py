import pytest
from django.urls import reverse

from supervision.forms import SupervisionFilterForm
from supervision.metrics import METRICS
from supervision.selectors import Scope, dashboard_for, drill_requests, supervised_requests
from supervision.services import stats_refresh, timings_refresh

from .conftest import LATER, MARCH

EXPECTED_CITY = {
    "received": 6,
    "resolved": 4,
    "withdrawn": 1,
    "evaluated": 4,
    "not_evaluated": 1,
    "reopened": 1,
    "open": 1,
    "overdue": 1,
    "yellow_cards": 1,
    "red_cards": 1,
    "dispatch_due": 6,
    "dispatched_on_time": 5,
    "dispatched_late": 1,
    "answer_due": 6,
    "answered_on_time": 5,
    "answered_late": 1,
    "dispatch_timed": 5,
    "answer_timed": 5,
}
EXPECTED_KUIWEN = {
    **EXPECTED_CITY,
    "received": 5,
    "resolved": 3,
    "evaluated": 3,
    "dispatch_due": 5,
    "dispatched_on_time": 4,
    "answer_due": 5,
    "answered_on_time": 4,
    "dispatch_timed": 4,
    "answer_timed": 4,
}


def figures_for(user, params=MARCH):
    form = SupervisionFilterForm(params, user=user)
    filters, notes = form.filters()
    assert notes == []
    scope = Scope.of(user)
    base = supervised_requests(user, filters, scope=scope)
    stats_refresh(now=LATER)  # the beat task's work: the aggregate as of the moment the lists are read
    return base, dashboard_for(base, filters, scope, LATER).figures


def test_it_counts_the_month_by_hand_for_the_city(month, dave):
    timings_refresh()
    _, figures = figures_for(dave)
    assert {k: figures[k] for k in EXPECTED_CITY} == EXPECTED_CITY
    assert figures["resolution_rate"] == round(100 * 4 / 6, 1)
    assert figures["satisfaction"] == 90.0  # (100 + 80 + 80 + 100) / 4; not-evaluated r4 excluded
    assert figures["reopen_rate"] == round(100 / 5, 1)  # of the 5 answered requests, r2 was reopened
    assert figures["reopens"] == 1 and figures["answered"] == 5
    assert figures["on_time_dispatch_rate"] == round(100 * 5 / 6, 1)
    assert figures["dispatch_hours"] == 0.0  # everything was dispatched the minute it arrived


def test_it_counts_kuiwen_only_for_dora(month, dora):
    timings_refresh()
    _, figures = figures_for(dora)
    assert {k: figures[k] for k in EXPECTED_KUIWEN} == EXPECTED_KUIWEN
    assert figures["satisfaction"] == round((100 + 80 + 80) / 3, 1)


@pytest.mark.parametrize("metric", list(METRICS))
@pytest.mark.parametrize("who", ["dave", "dora", "dan"])
def test_it_lists_exactly_the_requests_behind_each_figure(month, request, metric, who):
    timings_refresh()
    user = request.getfixturevalue(who)
    base, figures = figures_for(user)
    listed = drill_requests(base, metric, LATER)
    assert listed.count() == figures[metric]
    assert len({r.pk for r in listed}) == figures[metric]


def test_the_drill_page_shows_the_dashboard_figure(month, client, dave, at_later):
    timings_refresh()
    client.force_login(dave)
    page = client.get(reverse("supervision:dashboard"), MARCH)
    cards = {c["name"]: c for c in page.context["cards"]}
    for name in METRICS:
        drill = client.get(cards[name]["url"])
        assert drill.status_code == 200
        assert drill.context["page"].paginator.count == cards[name]["value"], name


def test_it_filters_by_region_department_category_industry_and_source(month, dave, fangzi, kuiwen):
    _, fz = figures_for(dave, {**MARCH, "region": str(fangzi.pk)})
    assert fz["received"] == 1
    _, dept = figures_for(dave, {**MARCH, "department": str(month.fz_bureau.pk)})
    assert dept["received"] == 1
    _, cat = figures_for(dave, {**MARCH, "category": str(month.category.pk)})
    assert cat["received"] == 6
    _, ind = figures_for(dave, {**MARCH, "industry": "finance"})
    assert ind["received"] == 0
    _, src = figures_for(dave, {**MARCH, "source": "visit"})
    assert src["received"] == 0


@pytest.mark.parametrize("params", [MARCH, {"period": "year"}])
def test_it_pins_the_dashboard_queries(month, client, dave, at_later, params, django_assert_max_num_queries):
    stats_refresh()
    client.force_login(dave)
    # session, user, scope, refresh state, cube (days and whole months in one union), departments, live
    # open/overdue, filter choices (regions, departments, categories), session save and the
    # nav/bell/banner includes of base.html — none grows with the rows or the period
    with django_assert_max_num_queries(17):
        response = client.get(reverse("supervision:dashboard"), params)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params, message",
    [
        ({"period": "custom", "from": "2025-13-45", "to": "2025-03-31"}, "YYYY-MM-DD"),
        ({"period": "custom", "from": "2025-03-31", "to": "2025-03-01"}, "YYYY-MM-DD"),
        ({"period": "decade"}, "default"),
        ({"region": "99999"}, "default"),
        ({"region": "abc", "department": "x", "category": "-1", "industry": "mining", "source": "fax"}, "default"),
    ],
)
def test_it_survives_bad_filters_with_a_message(month, client, dave, params, message):
    client.force_login(dave)
    response = client.get(reverse("supervision:dashboard"), params)
    assert response.status_code == 200
    texts = " ".join(str(m) for m in response.context["messages"])
    assert texts


def test_it_ignores_a_sibling_region_for_dora(month, client, dora, fangzi, at_later):
    client.force_login(dora)
    response = client.get(reverse("supervision:drill"), {**MARCH, "region": str(fangzi.pk), "metric": "received"})
    assert response.status_code == 200
    assert response.context["filters"].region is None
    assert all(r.region.name != "坊子区" for r in response.context["page"])
    assert response.context["page"].paginator.count == 5
