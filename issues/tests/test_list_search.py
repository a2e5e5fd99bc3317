"""The text search and the overdue filter of the work lists give the rows, the order and the tab counts
that the plain query gives: the department queue's search by the ids of its matching requests (or, above
TASK_MATCH_LIMIT of them, by the plain condition), the large scopes' 全部 as the sum of bounded counts,
the small scopes' overdue filter checked on the scope's rows."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from issues import deadlines, filters, queues
from issues.models import Dispatch, DispatchStatus, Request, Status

from .factories import dispatched, make_request

pytestmark = pytest.mark.django_db

WORD = "环评审批"


@pytest.fixture
def mixed(acme, alice, bob, hr_bureau):
    """Twelve requests dispatched to hr: the word in the title of some, in the description of others, in
    neither of the rest; open, answered, closed and withdrawn ones among each."""
    made = []
    for i in range(12):
        title = f"{WORD}进度{i}" if i % 3 == 0 else f"用工补贴{i}"
        description = f"项目{WORD}材料已提交" if i % 3 == 1 else "企业希望尽快办理。"
        made.append(dispatched(make_request(acme, alice, title=title, description=description), bob, hr_bureau))
    ended = {Status.CLOSED: made[3:8], Status.WITHDRAWN: made[8:10], Status.ANSWERED: made[10:11]}
    for status, rows in ended.items():
        Request.objects.filter(pk__in=[r.pk for r in rows]).update(status=status, current_due_at=None)
        task = DispatchStatus.CANCELLED if status == Status.WITHDRAWN else DispatchStatus.ANSWERED
        Dispatch.objects.filter(request__in=rows).update(status=task)
    Dispatch.objects.filter(request=made[9]).update(status=DispatchStatus.ANSWERED)  # withdrawn after an answer
    return made


def plain(kind, user, text, now):
    """The list's rows with the search as one plain condition on each row, as before any shortcut: title or
    description containing the text in any case, a matching enterprise, the work-order number."""
    spec = queues.SPECS[kind]
    rows = queues.ROWS[kind](user)
    if text:
        r = spec.to_request
        rows = rows.filter(
            Q(**{f"{r}title__icontains": text})
            | Q(**{f"{r}description__icontains": text})
            | Q(**{f"{r}enterprise_id__in": filters.enterprise_ids_matching(text)})
            | Q(**{f"{r}work_order_number": text})
        )
    return spec, rows


def expected(kind, user, text, tab, sort="urgency"):
    """The tab counts (exact, or bounded at COUNT_LIMIT + 1 where the list bounds them, SEARCH_COUNT_LIMIT + 1
    for a search's 已办结 and 全部 of the supervisors' list) and the first page's ids, counted one tab at a
    time on the plain rows."""
    now = timezone.now()
    spec, rows = plain(kind, user, text, now)
    bounded = {Status.CLOSED, "all"} | ({"open"} if spec.over_dispatches else set())
    search_bounded = queues.search_bounded(spec, bool(text))
    counts = {}
    for key in queues.TAB_KEYS:
        exact = rows.filter(queues.tab_condition(spec, key, now)).count()
        limit = queues.SEARCH_COUNT_LIMIT if key in search_bounded else queues.COUNT_LIMIT
        counts[key] = min(exact, limit + 1) if spec.large and key in bounded else exact
    page = rows.filter(queues.tab_condition(spec, tab, now)).order_by(
        *(TASK_ORDER if spec.over_dispatches else ORDER)[sort]
    )
    return counts, list(page.values_list("pk", flat=True)[: min(25, counts[tab])])  # the pager walks the counted rows


# the lists' orders, as the page names them, written here as plain columns (issues.queues.ordered writes some
# so that no index gives them)
ORDER = {
    "urgency": (F("current_due_at").asc(nulls_last=True), "pk"),
    "newest": ("-submitted_at", "-pk"),
    "oldest": ("submitted_at", "pk"),
}
TASK_ORDER = {
    "urgency": ("answer_due_at", "pk"),
    "newest": ("-dispatched_at", "-pk"),
    "oldest": ("dispatched_at", "pk"),
}


def shown(client, name, **params):
    response = client.get(reverse(f"issues:{name}"), params)
    assert response.status_code == 200
    counts = {key: n for key, _label, n in response.context["tabs"]}
    return counts, [row.pk for row in response.context["page"]]


@pytest.mark.parametrize(
    "who, name, kind, task_limit",
    [("carol", "department_queue", queues.DEPARTMENT, 2000), ("carol", "department_queue", queues.DEPARTMENT, 1)]
    + [("dave", "supervisor_list", queues.SUPERVISOR, 2000), ("bob", "queue", queues.COMMISSIONER, 2000)],
)
@pytest.mark.parametrize("text", [WORD, "阿克米", "无此内容", ""])
@pytest.mark.parametrize("count_limit, search_limit", [(2, 100), (1000, 2), (1000, 100)])
def test_a_search_shows_the_rows_and_counts_of_the_plain_query(
    client, mixed, monkeypatch, request, who, name, kind, task_limit, text, count_limit, search_limit
):
    """Whether the department's matching requests are read first (task_limit 2000) or too many for that
    (task_limit 1), whether 全部 is bounded or exact: what the page shows is what the plain query gives."""
    monkeypatch.setattr(queues, "COUNT_LIMIT", count_limit)
    monkeypatch.setattr(queues, "SEARCH_COUNT_LIMIT", search_limit)
    monkeypatch.setattr(filters, "TASK_MATCH_LIMIT", task_limit)
    user = request.getfixturevalue(who)
    client.force_login(user)
    late = timezone.now() - timedelta(days=1)  # two open requests past their answer deadline
    Request.objects.filter(pk__in=[mixed[0].pk, mixed[1].pk]).update(
        assign_due_at=late - timedelta(days=1), answer_due_at=late, current_due_at=late
    )
    for tab in ("all", "open", Status.IN_PROGRESS, "overdue", Status.CLOSED, Status.ANSWERED):
        for sort in ("urgency", "newest", "oldest"):
            want_counts, want_rows = expected(kind, user, text, tab, sort)
            assert shown(client, name, q=text, tab=tab, sort=sort) == (want_counts, want_rows), (tab, sort)
    if text == WORD and queues.SPECS[kind].large:  # the word is in some titles and some descriptions
        limit = search_limit if kind == queues.SUPERVISOR else count_limit
        assert want_counts["all"] == min(8, limit + 1)


def test_all_is_the_sum_of_closed_withdrawn_and_live_below_the_bound_and_bounded_above(
    client, mixed, dave, monkeypatch
):
    client.force_login(dave)
    counts, _rows = shown(client, "supervisor_list")
    assert counts[Status.CLOSED] == 5 and counts["all"] == 12  # 5 closed, 2 withdrawn, 1 answered, 4 open
    for limit, closed, total in ((4, 5, 5), (5, 5, 6), (7, 5, 8), (11, 5, 12), (12, 5, 12)):
        monkeypatch.setattr(queues, "COUNT_LIMIT", limit)
        counts, _rows = shown(client, "supervisor_list")
        assert (counts[Status.CLOSED], counts["all"]) == (closed, total), limit


def test_the_department_search_reads_its_matching_requests_once_whatever_their_number(
    client, acme, alice, bob, carol, hr_bureau, monkeypatch
):
    """One query for the matching requests, then the same queries as without a search; the same number
    for three matches as for twelve, and the tab counts by id, not by the text."""
    client.force_login(carol)
    url = reverse("issues:department_queue")
    client.get(url)  # the first request of a session stores its language

    def queries(**params):
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, params)
        return [q["sql"] for q in ctx.captured_queries]

    for i in range(3):
        dispatched(make_request(acme, alice, title=f"{WORD}{i}"), bob, hr_bureau)
    plain_page, three = queries(tab="all"), queries(q=WORD, tab="all")
    for i in range(9):
        dispatched(make_request(acme, alice, title=f"{WORD}{i}"), bob, hr_bureau)
    twelve = queries(q=WORD, tab="all")
    # + the enterprises whose name matches, + the matching requests among the department's tasks
    assert len(three) == len(twelve) == len(plain_page) + 2
    counting = [sql for sql in twelve if "COUNT(" in sql and "issues_dispatch" in sql]
    assert counting and all("LIKE" not in sql for sql in counting)
    assert len(shown(client, "department_queue", q=WORD, tab="all")[1]) == 12


def test_above_the_task_match_limit_the_department_search_filters_by_the_text(client, mixed, carol, monkeypatch):
    monkeypatch.setattr(filters, "TASK_MATCH_LIMIT", 1)
    client.force_login(carol)
    with CaptureQueriesContext(connection) as ctx:
        counts, _rows = shown(client, "department_queue", q=WORD, tab="all")
    assert counts["all"] == 8
    assert any("COUNT(" in q["sql"] and "LIKE" in q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize("tab", ["open", "overdue", "all"])
def test_the_overdue_filter_of_a_small_scope_lists_exactly_the_overdue_requests(
    client, acme, alice, bob, hr_bureau, tab
):
    """The commissioner's overdue filter (checked on the scope's rows, see tab_condition) against the one
    predicate of "overdue": late on the dispatch deadline, late on the answer deadline, paused, returned."""
    past = timezone.now() - timedelta(days=1)
    late_dispatch = make_request(acme, alice, title="待分解超期")
    late_answer = dispatched(make_request(acme, alice, title="办理超期"), bob, hr_bureau)
    paused = dispatched(make_request(acme, alice, title="待补充"), bob, hr_bureau)
    returned = make_request(acme, alice, title="退回")
    on_time = make_request(acme, alice, title="未超期")
    Request.objects.filter(pk=late_dispatch.pk).update(assign_due_at=past, current_due_at=past)
    deadlines_past = {"assign_due_at": past - timedelta(days=1), "answer_due_at": past, "current_due_at": past}
    Request.objects.filter(pk=late_answer.pk).update(**deadlines_past)
    Request.objects.filter(pk=paused.pk).update(status=Status.INFO_NEEDED, **deadlines_past)
    Request.objects.filter(pk=returned.pk).update(assigned_at=past, assign_due_at=past, current_due_at=past)
    client.force_login(bob)
    now = timezone.now()
    overdue = {r.pk for r in Request.objects.all() if deadlines.is_overdue(r, now)}
    assert overdue == {late_dispatch.pk, late_answer.pk}
    counts, rows = shown(client, "queue", overdue="on", tab=tab, sort="oldest")
    want = sorted(
        (r for r in Request.objects.filter(pk__in=overdue)),
        key=lambda r: (r.submitted_at, r.pk),
    )
    assert rows == [r.pk for r in want]
    assert counts["overdue"] == counts["open"] == counts["all"] == 2
    assert on_time.pk not in rows


def test_every_state_is_live_closed_or_withdrawn():
    """全部 of a large scope is the sum of those three counts: a new state must join one of them."""
    assert sorted(Status.values) == sorted({*queues.LIVE_STATUSES, Status.CLOSED, Status.WITHDRAWN})
    assert not set(queues.LIVE_STATUSES) & {Status.CLOSED, Status.WITHDRAWN}


def test_a_search_of_the_supervisors_list_bounds_its_ended_tabs_lower_and_says_so(client, mixed, dave, monkeypatch):
    """With a search, 已办结 and 全部 of a city stop at SEARCH_COUNT_LIMIT + 1 and show "N+", the pager says
    "more than N"; the live tabs stay exact above it; without a search the bound is COUNT_LIMIT again."""
    monkeypatch.setattr(queues, "SEARCH_COUNT_LIMIT", 2)
    client.force_login(dave)
    url = reverse("issues:supervisor_list")
    response = client.get(url, {"q": "企业", "tab": "all"})  # in the description of the 8 without the word
    counts = {key: n for key, _label, n in response.context["tabs"]}
    assert (counts[Status.CLOSED], counts["all"]) == (3, 3)
    assert counts["open"] == 3  # the open ones of those 8: exact, though above the search's bound
    html = response.content.decode()
    badges = re.findall(r'<span class="badge rounded-pill[^"]*">([^<]*)</span>', html)
    assert badges == ["3", "0", "3", "0", "0", "2+", "0", "2+"], badges
    assert response.context["capped"] and "本栏超过2条" in html
    assert len(response.context["page"]) == 3  # the pager walks the rows it counted
    response = client.get(url, {"tab": "all"})
    assert {key: n for key, _label, n in response.context["tabs"]}["all"] == 12 and not response.context["capped"]


@pytest.mark.parametrize(
    "text, plain_first", [(WORD, True), ("12345", True), ("abc", False), ("ABC", False), ("环评abc", False)]
)
def test_a_text_without_case_is_compared_plainly_first_and_matches_as_in_any_case(
    client, acme, alice, bob, dave, hr_bureau, text, plain_first
):
    """A Chinese or numeric search is compared as it is before upper-casing (the same rows: such a text has no
    case to fold); a Latin one is compared in any case only."""
    titles = [f"{WORD}12345", "环评ABC材料", "环评abc材料", "用工aBc补贴", "无关"]
    made = [make_request(acme, alice, title=title, description="企业希望尽快办理。") for title in titles]
    client.force_login(dave)
    with CaptureQueriesContext(connection) as ctx:
        counts, rows = shown(client, "supervisor_list", q=text, tab="all", sort="oldest")
    counting = next(q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"] and "LIKE" in q["sql"])
    # each text condition compares the work-order number once, and title and description twice or once each
    assert counting.count("LIKE") == (4 if plain_first else 2) * counting.count('"work_order_number" =')
    want = [r.pk for r in made if text.upper() in r.title.upper()]
    assert rows == want and counts["all"] == len(want) and want


@pytest.mark.parametrize(
    "who, name, kind",
    [("dave", "supervisor_list", queues.SUPERVISOR), ("carol", "department_queue", queues.DEPARTMENT)],
)
def test_the_overdue_filter_of_a_large_scope_counts_every_tab_as_the_plain_query(
    client, request, acme, alice, bob, hr_bureau, who, name, kind
):
    """With the overdue filter the large scopes' counts do not ask for the live states again (``live_only``):
    the filter keeps live rows only, so every tab counts what it counts with the states asked twice."""
    past = timezone.now() - timedelta(days=1)
    late_dispatch = make_request(acme, alice, title="待分解超期")
    late_answer = dispatched(make_request(acme, alice, title="办理超期"), bob, hr_bureau)
    paused = dispatched(make_request(acme, alice, title="待补充"), bob, hr_bureau)
    closed = dispatched(make_request(acme, alice, title="已办结"), bob, hr_bureau)
    dispatched(make_request(acme, alice, title="未超期"), bob, hr_bureau)
    Request.objects.filter(pk=late_dispatch.pk).update(assign_due_at=past, current_due_at=past)
    deadlines_past = {"assign_due_at": past - timedelta(days=1), "answer_due_at": past, "current_due_at": past}
    Request.objects.filter(pk=late_answer.pk).update(**deadlines_past)
    Request.objects.filter(pk=paused.pk).update(status=Status.INFO_NEEDED, **deadlines_past)
    Request.objects.filter(pk=closed.pk).update(status=Status.CLOSED, closed_at=past, current_due_at=None)
    Dispatch.objects.filter(request__in=[late_answer, paused]).update(answer_due_at=past)
    user = request.getfixturevalue(who)
    client.force_login(user)
    now = timezone.now()
    spec = queues.SPECS[kind]
    rows = queues.ROWS[kind](user).filter(queues.overdue_condition(spec, now))
    assert queues.tab_counts(spec, rows, now, live_only=True) == queues.tab_counts(spec, rows, now)
    want = {key: rows.filter(queues.tab_condition(spec, key, now)).count() for key in queues.TAB_KEYS}
    counts, _rows = shown(client, name, overdue="on")
    assert counts == want
    assert counts["overdue"] == counts["all"] == (1 if kind == queues.DEPARTMENT else 2)


@pytest.mark.parametrize("tab", [Status.CLOSED, Status.ANSWERED])
def test_the_untimed_tabs_most_urgent_first_is_asked_as_the_id_order(client, mixed, dave, tab):
    """Every closed or answered request has no running deadline: the page asks for the id order itself,
    not an order led by the empty deadline (which sorted every closed request of a city), and the rows are
    in the order the deadline-led one gives."""
    client.force_login(dave)
    with CaptureQueriesContext(connection) as queries:
        _counts, ids = shown(client, "supervisor_list", tab=tab)
    sqls = [q["sql"] for q in queries]
    page = [sql for sql in sqls if 'FROM "issues_request"' in sql and "LIMIT" in sql and "COUNT" not in sql]
    # the page's ids in id order (the column selected, or named), the deadline in no ORDER BY
    assert page and all(re.search(r'ORDER BY (1|"(U0|issues_request)"\."id") ASC LIMIT', sql) for sql in page)
    assert not any(re.search(r"ORDER BY [^()]*current_due_at", sql) for sql in page)
    spec, rows = plain(queues.SUPERVISOR, dave, "", timezone.now())
    led = rows.filter(queues.tab_condition(spec, tab, timezone.now())).order_by(*ORDER["urgency"])
    assert ids == list(led.values_list("pk", flat=True)) and ids


@pytest.mark.parametrize("walk", [False, True])
@pytest.mark.parametrize("sort", ["urgency", "newest", "oldest"])
def test_the_supervisors_pages_are_found_by_id_first_and_hold_the_rows_of_the_plain_order(
    client, acme, alice, dave, monkeypatch, sort, walk
):
    """A page of the supervisors' list is the ids of its rows (LIMIT / OFFSET on the scope), then those rows
    with their names. 全部 most urgent first finds the running requests and the others each on their own,
    so its three pages are: the running ones by deadline, the last of them and the first others, then the
    others by id. Every page holds the rows of the plain order."""
    if walk:  # as many running rows as a province's: found in deadline order, without the live states
        monkeypatch.setattr(queues, "RUNNING_WALK_FROM", 10)
    made = [make_request(acme, alice, title=f"诉求{i}") for i in range(60)]
    ended = [r.pk for r in made[1::2]]
    Request.objects.filter(pk__in=ended).update(status=Status.CLOSED, current_due_at=None)
    client.force_login(dave)
    spec, rows = plain(queues.SUPERVISOR, dave, "", timezone.now())
    want = list(rows.order_by(*ORDER[sort]).values_list("pk", flat=True))
    shown_pages, page_sql = [], []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("issues:supervisor_list"), {"tab": "all", "sort": sort, "page": number})
        shown_pages.append([row.pk for row in response.context["page"]])
        page = [q["sql"] for q in queries if "enterprise_name" in q["sql"]]
        assert len(page) == 1
        page_sql.append(page[0])
    assert shown_pages == [want[:25], want[25:50], want[50:]] and len(want) == 60
    if sort != "urgency":
        assert all('"issues_request"."id" IN (SELECT' in sql for sql in page_sql)
        return
    assert want[:30] == sorted(set(want) - set(ended), key=want.index)  # the running ones first
    first, middle, last = page_sql
    assert '"issues_request"."id" IN (SELECT' in first and 'current_due_at" IS NOT NULL' in first
    assert ("'answered'" in first) is not walk  # the live index's states, for a few running rows only
    # for a few running rows, the deadline as a CASE: no index of (status, current_due_at) can take it
    assert ('CASE WHEN (U0."current_due_at" IS NOT NULL)' in first) is not walk
    assert "IN (SELECT" not in middle  # the two parts' ids, read before the page
    assert '"issues_request"."id" IN (SELECT' in last and 'current_due_at" IS NULL' in last
    assert re.search(r'ORDER BY (1|U0\."id") ASC LIMIT', last)  # the others in id order


@pytest.mark.parametrize("sort", ["urgency", "newest", "oldest"])
def test_the_department_pages_are_found_by_id_first_and_hold_the_tasks_of_the_plain_order(
    client, acme, alice, bob, carol, hr_bureau, sort
):
    """A page of the department queue is the ids of its tasks, then those tasks with their requests and
    names: page 2 holds tasks 26-30 of the plain order."""
    for i in range(30):
        dispatched(make_request(acme, alice, title=f"诉求{i}"), bob, hr_bureau)
    client.force_login(carol)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("issues:department_queue"), {"tab": "all", "sort": sort, "page": 2})
    ids = [row.pk for row in response.context["page"]]
    spec, rows = plain(queues.DEPARTMENT, carol, "", timezone.now())
    in_tab = rows.filter(queues.tab_condition(spec, "all", timezone.now()))
    assert ids == list(queues.ordered(spec, in_tab, sort).values_list("pk", flat=True)[25:50]) and len(ids) == 5
    page = [q["sql"] for q in queries if "enterprise_name" in q["sql"]]
    assert len(page) == 1 and '"issues_dispatch"."id" IN (SELECT' in page[0]
