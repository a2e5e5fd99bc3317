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
from portal.orgs import factories as f
from portal.orgs.models import Region
from portal.testing.plans import index_conditions, plan_with

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


def walks_in_order(sql: str) -> list[str]:
    """The scans without a condition of the requests' indexes led by a column of a list's order (the
    deadline, the submission, the id) in the plan of ``sql``: a walk through the whole table in that order,
    with sorting and reading the whole table made PostgreSQL's last resort."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'issues_request'")
        ordering = {
            name
            for name, definition in cursor.fetchall()
            # not a partial index (of the live requests, the running ones): walked whole, it reads the scope's
            # own few thousand rows
            if re.search(r"USING btree \((current_due_at|submitted_at|id)\b", definition)
            and " WHERE " not in definition
        }
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = [row[0].strip() for row in cursor.fetchall()]
    assert {"req_queue_due", "req_submitted", "issues_request_pkey"} <= ordering
    return [
        line
        for line, after in zip(plan, [*plan[1:], ""], strict=True)
        if (scan := re.search(r"Index (Only )?Scan (Backward )?using (\w+) on issues_request", line))
        and scan[3] in ordering
        and "Index Cond" not in after
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.parametrize(
    "who, name, tab, sort",
    [
        ("bob", "queue", "all", "urgency"),
        ("bob", "queue", Status.CLOSED, "urgency"),
        ("bob", "queue", Status.CLOSED, "newest"),
        ("bob", "queue", "all", "oldest"),
        ("alice", "my_requests", "all", "newest"),
    ],
)
def test_a_small_scopes_page_is_sorted_not_walked_in_an_index_order(client, five, request, who, name, tab, sort):
    """A small scope (a commissioner's, an enterprise's) is a few hundred requests of a million: PostgreSQL
    reads them and sorts them. Its order is written so that no index of the whole table has it, so even with
    sorting made its last resort it cannot walk one: at a million requests it walked the deadline index's
    million entries for a commissioner's 531 requests on 全部 (460 ms), and 52,000 entries of the submission
    index on 已办结 newest first (150 ms)."""
    client.force_login(request.getfixturevalue(who))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"issues:{name}"), {"tab": tab, "sort": sort})
    assert response.status_code == 200 and len(response.context["page"]) > 0
    (page,) = [q["sql"] for q in captured.captured_queries if '"enterprise_name"' in q["sql"] and "LIMIT" in q["sql"]]
    assert walks_in_order(page) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.parametrize("sort", ["oldest", "newest"])
@pytest.mark.parametrize("tab", ["open", Status.SUBMITTED, Status.IN_PROGRESS, Status.INFO_NEEDED, "overdue"])
def test_a_large_scopes_open_tabs_in_submission_order_walk_the_open_requests_index(five, dave, tab, sort):
    """A large scope's open requests in submission order are the first entries of req_open_submitted that the
    region allows, read from the index alone: the tab's condition implies its open states, and the index holds
    every column the conditions test. From the oldest, the submission index of the whole table read 74,000
    entries for a city's 50 (144 ms)."""
    spec, now = queues.SPECS[queues.SUPERVISOR], timezone.now()
    rows = queues.ROWS[queues.SUPERVISOR](dave).filter(queues.tab_condition(spec, tab, now, sort))
    page = queues.ordered(spec, rows, sort, tab)[:25]
    plan = plan_with(page, "req_open_submitted", sorting=False)
    assert any(re.search(r"Index Only Scan (Backward )?using req_open_submitted", line) for line in plan), plan
    assert not any("Sort" in line for line in plan), plan  # its order, no sort


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_a_large_scopes_answered_requests_oldest_first_are_sorted_not_walked_in_an_index_order(five, dave):
    """已答复 holds a few thousand recent requests, at the far end of the submission index from the oldest:
    oldest first they are read and sorted."""
    spec, now = queues.SPECS[queues.SUPERVISOR], timezone.now()
    rows = queues.ROWS[queues.SUPERVISOR](dave).filter(queues.tab_condition(spec, Status.ANSWERED, now, "oldest"))
    sql, params = queues.ordered(spec, rows, "oldest", Status.ANSWERED).values("pk")[:25].query.sql_with_params()
    with connection.cursor() as cursor:
        sql = cursor.mogrify(sql, params)
    assert walks_in_order(sql) == []


def test_every_requests_answered_oldest_first_walk_the_state_in_filing_order(client, dave, acme, alice):
    """Of every request (the province's supervisors, no filter but a text search), 已答复 oldest first is
    the first entries of (status, submitted_at) in its order: read and sorted, the province's 4,400 took 7
    ms. With a region filter the scope's own rows are sorted, as any large scope's are."""
    made = [make_request(acme, alice, title=f"答复{i}") for i in range(4)]
    start = timezone.now() - timedelta(days=10)
    for i, req in enumerate(made):  # filed out of id order
        Request.objects.filter(pk=req.pk).update(
            status=Status.ANSWERED, current_due_at=None, submitted_at=start + timedelta(days=(i * 3) % 4)
        )
    expected = list(Request.objects.filter(status=Status.ANSWERED).order_by("submitted_at", "pk"))
    client.force_login(dave)

    def page(**query):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("issues:supervisor_list"), {"tab": "answered", "sort": "oldest", **query})
        # the page's rows, found by their ids in the order asked
        (sql,) = [
            q["sql"] for q in ctx.captured_queries if '"issues_request"."title", "issues_request"."source"' in q["sql"]
        ]
        return [r.pk for r in response.context["page"]], sql

    rows, sql = page()
    assert rows == [r.pk for r in expected]
    assert re.search(r'ORDER BY U0."submitted_at" ASC, 1 ASC LIMIT', sql), sql
    rows, sql = page(q="答复")
    assert rows == [r.pk for r in expected] and 'ORDER BY U0."submitted_at" ASC' in sql
    rows, sql = page(region=str(dave.supervisor_scopes.get().region_id))
    assert rows == [r.pk for r in expected] and 'ORDER BY U0."submitted_at" ASC' not in sql


@pytest.mark.parametrize("sort", ["oldest", "newest"])
def test_a_large_scopes_open_tab_in_submission_order_holds_the_rows_it_holds_by_deadline(five, dave, sort):
    """In submission order 待办 is asked by the open states: the same rows as a running deadline gives, since
    a request has one exactly while open (Request.save)."""
    states = [Status.SUBMITTED, Status.INFO_NEEDED, Status.ANSWERED, Status.WITHDRAWN]
    for req, status in zip(five[1:], states, strict=True):
        req.refresh_from_db()
        req.status = status
        req.save()
    # and an open request written past Request.save (a bulk load) without its running deadline: not on 待办
    # in either order, as the tab's count has it
    unsaved = make_request(five[0].enterprise, five[0].created_by, title="批量导入")
    Request.objects.filter(pk=unsaved.pk).update(current_due_at=None)
    spec, now = queues.SPECS[queues.SUPERVISOR], timezone.now()
    rows = queues.ROWS[queues.SUPERVISOR](dave)
    by_state = list(rows.filter(queues.tab_condition(spec, "open", now, sort)).order_by("pk"))
    assert by_state == list(rows.filter(current_due_at__isnull=False).order_by("pk")) == [*five[:3]]


def test_a_scope_of_every_region_is_every_request_and_a_new_city_narrows_it(client, dave, alice, acme):
    """dave's city is the only top region: his list is every request, written without a region condition
    (queues.supervisor_rows). A second city outside his scope makes it a list of his regions again, and
    that city's requests are not on it, nor in his export, even in the process that kept the old listing."""
    mine = make_request(acme, alice)
    assert " WHERE " not in str(queues.supervisor_rows(dave).query)
    assert list(queues.supervisor_rows(dave)) == [mine]
    client.force_login(dave)
    client.get(reverse("issues:supervisor_list"))  # the process keeps the listing of one city
    yantai = f.RegionFactory(code="370600", name="烟台市", level=Region.Level.CITY)
    laishan = f.RegionFactory(code="370613", name="莱山区", parent=yantai)
    other = f.EnterpriseFactory(name="烟台莱山精工有限公司", region=laishan)
    someone = f.UserFactory(username="yt-member", is_enterprise_user=True)
    f.member(someone, other)
    theirs = make_request(other, someone)
    rows = queues.supervisor_rows(dave)
    assert '"region_id" = ANY' in str(rows.query)
    assert list(rows) == [mine] and theirs.pk not in rows.values_list("pk", flat=True)
    response = client.get(reverse("issues:supervisor_list"), {"tab": "all"})
    assert [row.pk for row in response.context["page"]] == [mine.pk]
    response = client.post(
        reverse("issues:request_export"), {"ids": [f"{theirs.pk}:{theirs.version}"], "list": "supervisor"}
    )
    assert response.status_code == 302  # back to the list: nothing of it is his to export
    no_scope = f.UserFactory(username="no-scope", is_supervisor=True)
    assert list(queues.supervisor_rows(no_scope)) == []


def test_the_ended_tabs_of_every_region_are_counted_on_an_index_in_its_order(client, dave, alice, acme):
    """Without a region to lead an index, the bounded counts of 已办结 and 已撤回 read a (status, submitted_at)
    index in its order: PostgreSQL otherwise read the province's closed requests that a text matches with a
    sequential scan stopped by the limit. A scope of some regions keeps its region-led read, unordered."""
    spec = queues.SPECS[queues.SUPERVISOR]
    now = timezone.now()
    assert queues.whole_scope(queues.supervisor_rows(dave))
    closed = queues.supervisor_rows(dave).filter(queues.tab_condition(spec, Status.CLOSED, now))
    plan = plan_with(closed.order_by("submitted_at"), "req_status_submitted", sorting=False)
    assert any("Index Scan using req_status_submitted" in line for line in plan), plan

    client.force_login(dave)

    def counts_sql(**query):
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("issues:supervisor_list"), query)
        (sql,) = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT 1 AS "_row"')]
        return sql

    in_order = re.compile(r"""= 'closed'\)* ORDER BY U0."submitted_at" ASC LIMIT""")
    for query in ({}, {"q": "环评审批", "tab": "all", "sort": "oldest"}):
        sql = counts_sql(**query)
        assert sql.count("ORDER BY") == 1 and in_order.search(sql), sql
    # another filter's own index finds its few closed rows: not walked in submission order
    assert "ORDER BY" not in counts_sql(q="环评审批", region=str(dave.supervisor_scopes.get().region_id))
    f.RegionFactory(code="370600", name="烟台市", level=Region.Level.CITY)
    some = queues.supervisor_rows(dave)
    assert not queues.whole_scope(some) and "ORDER BY" not in counts_sql(q="环评审批")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_a_districts_rows_after_its_running_ones_are_its_own_entries_in_id_order(client, five, dora):
    """全部 most urgent first: a district's running rows, then the rest in id order, read from req_region_id
    (its own entries, in that order). Without the index PostgreSQL walked the province's primary key and
    tested the region on each: a district's text search read 23,000 requests for a page of 39."""
    client.force_login(dora)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("issues:supervisor_list"), {"tab": "all"})
    assert [row.pk for row in response.context["page"]] == [five[0].pk, *sorted(r.pk for r in five[1:])]
    (rest,) = [
        q["sql"]
        for q in captured.captured_queries
        if '"current_due_at" IS NULL' in q["sql"] and q["sql"].endswith("ORDER BY 1 ASC LIMIT 24")
    ]
    assert f'"issues_request"."region_id" = {five[0].region_id}' in rest
    assert walks_in_order(rest) == []
