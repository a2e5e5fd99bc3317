"""The work lists at a province's scale: bounded tab counts for large scopes, the department lists read once
as plain values, and the request page's related objects read by id."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from issues import forms, queues
from issues.models import Dispatch, DispatchStatus, Request, Status
from portal.testing.plans import index_conditions

from .factories import dispatched, make_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def five(acme, alice, bob, hr_bureau):
    """Five requests dispatched to hr, four of them closed."""
    made = [dispatched(make_request(acme, alice, title=f"诉求{i}"), bob, hr_bureau) for i in range(5)]
    Request.objects.filter(pk__in=[r.pk for r in made[1:]]).update(status=Status.CLOSED, current_due_at=None)
    Dispatch.objects.filter(request__in=made[1:]).update(status=DispatchStatus.ANSWERED)
    return made


def tabs(response):
    return {key: count for key, _label, count in response.context["tabs"]}


@pytest.mark.parametrize("who, name", [("dave", "supervisor_list"), ("carol", "department_queue")])
def test_a_large_scope_bounds_its_closed_and_all_tabs_and_says_so(client, five, monkeypatch, request, who, name):
    monkeypatch.setattr(queues, "COUNT_LIMIT", 2)
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(f"issues:{name}"), {"tab": "closed"})
    counts = tabs(response)
    assert counts["closed"] == 3 and counts["all"] == 3  # COUNT_LIMIT + 1: "more than 2"
    assert counts["open"] == 1 and counts[Status.IN_PROGRESS] == 1  # the live tabs stay exact
    html = response.content.decode()
    assert re.search(r"Closed <span[^>]*>2\+</span>", html)
    assert "more than 2 in this tab" in html
    assert len(response.context["page"]) == 3  # the pager walks the counted rows


def test_below_the_bound_every_count_is_exact(client, five, dave, carol):
    client.force_login(dave)
    counts = tabs(client.get(reverse("issues:supervisor_list")))
    assert counts == {
        "open": 1,
        Status.SUBMITTED: 0,
        Status.IN_PROGRESS: 1,
        Status.INFO_NEEDED: 0,
        Status.ANSWERED: 0,
        Status.CLOSED: 4,
        "overdue": 0,
        "all": 5,
    }
    client.force_login(carol)
    counts = tabs(client.get(reverse("issues:department_queue")))
    assert counts["open"] == 1 and counts[Status.CLOSED] == 4 and counts["all"] == 5


def test_a_small_scope_is_counted_exactly_whatever_the_bound(client, five, bob, alice, monkeypatch):
    monkeypatch.setattr(queues, "COUNT_LIMIT", 2)
    for user, name in ((bob, "queue"), (alice, "my_requests")):
        client.force_login(user)
        counts = tabs(client.get(reverse(f"issues:{name}")))
        assert counts[Status.CLOSED] == 4 and counts["all"] == 5, name


def test_the_bulk_form_and_the_filter_list_the_same_departments_as_the_dispatch_form(client, five, bob):
    client.force_login(bob)
    response = client.get(reverse("issues:queue"))
    page = response.content.decode()
    bulk = page[page.index('<select name="lead"') : page.index("</select>", page.index('<select name="lead"'))]
    assert bulk.count("<option") == 1  # the placeholder: the page fetches the departments
    fetched = client.get(html.unescape(re.search(r'data-options-url="([^"]+)"', bulk).group(1)))
    expected = [(str(pk), label) for _region, options in forms.department_choices() for pk, label in options]
    assert re.findall(r'<option value="(\d+)">([^<]*)</option>', fetched.content.decode()) == expected
    choices = [value for value, _label in response.context["filter"].form.fields["department"].widget.choices]
    assert choices[1:] == [int(pk) for pk, _label in expected]


def test_the_request_page_shows_its_commissioner_lead_department_and_filer(client, five, alice, bob, hr_bureau):
    req = five[0]
    client.force_login(alice)
    response = client.get(reverse("issues:request_detail", args=[req.pk]))
    page = response.context["req"]
    assert page.commissioner == bob and page.lead_department == hr_bureau and page.created_by == alice
    assert page.project is None
    assert hr_bureau.name in response.content.decode()


def test_the_live_indexes_hold_every_column_a_large_scopes_overdue_page_reads(client, five, dave):
    """A city's overdue page picks its 50 most urgent ids from an index alone (no read of each overdue
    request from the table): req_running_due, whose range of running deadlines it reads, and req_live_region,
    must each hold every column the picking query tests, sorts or returns."""
    late = timezone.now() - timedelta(days=1)
    Request.objects.filter(pk=five[0].pk).update(
        assign_due_at=late - timedelta(days=1), answer_due_at=late, current_due_at=late
    )
    client.force_login(dave)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("issues:supervisor_list"), {"overdue": "on"})
    assert [row.pk for row in response.context["page"]] == [five[0].pk]
    pick = 'SELECT U0."id" AS "pk"'
    picks = [q["sql"] for q in captured.captured_queries if pick in q["sql"] and "LIMIT" in q["sql"]]
    assert picks, "the page's rows are picked by id"
    subquery = picks[0][picks[0].index(pick) :]
    subquery = subquery[: subquery.index("LIMIT")]
    read = set(re.findall(r'U0\."(\w+)"', subquery))
    for name in ("req_running_due", "req_live_region"):
        index = next(index for index in Request._meta.indexes if index.name == name)
        held = {Request._meta.get_field(field).column for field in (*index.fields, *index.include)}
        assert read <= held, (name, read - held)
    assert "current_due_at" in read and "id" in read  # the urgency order and the ids it returns


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plan")
def test_a_large_scopes_overdue_requests_are_a_range_of_the_running_deadlines(five, dave):
    """The supervisors' overdue rows are asked as a range of req_running_due (running states, deadline before
    now), so the province's overdue requests are read from that index, not one table page each; the index
    holds exactly the requests whose clock runs."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'req_running_due'")
        (definition,) = cursor.fetchone()
    assert set(re.findall(r"'(\w+)'", definition)) == {Status.SUBMITTED, Status.IN_PROGRESS}
    spec = queues.SPECS[queues.SUPERVISOR]
    overdue = queues.supervisor_rows(dave).filter(queues.overdue_condition(spec, timezone.now()))
    conditions = index_conditions(overdue, "req_running_due")
    assert conditions and all("current_due_at <" in c for c in conditions), conditions


def test_the_overdue_filter_leaves_the_ended_tabs_empty_without_counting_them(client, five, dave):
    """Overdue rows are running ones: with "overdue only", 已办结 and 已撤回 are 0 and no query counts them."""
    late = timezone.now() - timedelta(days=1)
    Request.objects.filter(pk=five[0].pk).update(
        assign_due_at=late - timedelta(days=1), answer_due_at=late, current_due_at=late
    )
    client.force_login(dave)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("issues:supervisor_list"), {"overdue": "on", "tab": "closed"})
    counts = tabs(response)
    assert counts[Status.CLOSED] == 0
    assert counts["overdue"] == counts["all"] == counts["open"] == 1  # 全部: the overdue rows only
    assert not [q for q in captured.captured_queries if "'withdrawn'" in q["sql"] or "'closed'" in q["sql"]]
    assert list(response.context["page"]) == []
    response = client.get(reverse("issues:supervisor_list"), {"tab": "closed"})
    assert tabs(response)[Status.CLOSED] == 4  # without the filter, counted as before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram indexes are PostgreSQL's")
def test_a_supervisors_search_finds_the_scopes_live_matches_by_one_index_of_region_and_text(five, dave):
    """req_live_region_text_trgm (migration 0025) holds the live requests, the states the lists name
    (``queues.LIVE_STATUSES``: the index serves a query only if its states imply the index's), and takes both
    the region and the text of a live count. The requests' other indexes are dropped in the test's transaction,
    and no whole-table read is allowed: a test database is small enough to be read whole or by any of them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'req_live_region_text_trgm'")
        (definition,) = cursor.fetchone()
    assert set(re.findall(r"'(\w+)'", definition)) == set(queues.LIVE_STATUSES)
    assert "(region_id, upper((title)::text) gin_trgm_ops, upper(description) gin_trgm_ops)" in definition
    assert "fastupdate=off" in definition  # no pending list for every search to read through

    from issues.filters import in_text

    live = Request.objects.filter(region_id__any=[five[0].region_id], status__in=queues.LIVE_STATUSES)
    conditions = index_conditions(live.filter(in_text("环评", "title", "description")), "req_live_region_text_trgm")
    assert conditions and all("region_id" in c for c in conditions), conditions
