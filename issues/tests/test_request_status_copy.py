"""Each task's copy of its request's state (Dispatch.request_status, kept by issues/triggers.py): equal to the
request's state after every transition and after writers that bypass the services, and the department
queue's tabs counted on it equal to the tabs counted by joining the requests."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issues import queues, services, triggers
from issues.deadlines import ANSWER_CLOCK_STATUSES
from issues.models import OPEN_DISPATCH_STATUSES, Dispatch, DispatchStatus, Outcome, Request, Status, Verdict

from .factories import answered, bulk_co_task, co_dispatch, dispatched, fresh, lead_dispatch, make_request

pytestmark = pytest.mark.django_db


def stale_copies() -> list[tuple[int, str, str]]:
    """Every task whose copy differs from its request's state: (task, copy, request's state)."""
    return list(
        Dispatch.objects.exclude(request_status=F("request__status")).values_list(
            "pk", "request_status", "request__status"
        )
    )


def copies(req: Request) -> set[str]:
    return set(Dispatch.objects.filter(request=req).values_list("request_status", flat=True))


def test_it_keeps_every_task_copy_equal_through_the_whole_lifecycle(
    acme, alice, bob, hr_bureau, housing_bureau, carol, chris
):
    req = make_request(acme, alice)
    assert copies(req) == set() and stale_copies() == []

    req = dispatched(req, bob, hr_bureau, co=[housing_bureau])
    assert copies(req) == {Status.IN_PROGRESS}
    services.dispatch_accept(dispatch_id=lead_dispatch(req).pk, actor=carol)
    services.request_ask_info(req_id=req.pk, actor=bob, question="请补充近三年财务报表")
    assert copies(req) == {Status.INFO_NEEDED}
    services.request_supply_info(req_id=req.pk, actor=alice, comment="财务报表已上传")
    assert copies(req) == {Status.IN_PROGRESS}
    services.dispatch_answer(dispatch_id=co_dispatch(req, housing_bureau).pk, actor=chris, body="我局同意")
    services.dispatch_return(dispatch_id=lead_dispatch(req).pk, actor=carol, reason="应由住建部门主办")
    assert fresh(req).status == Status.SUBMITTED and copies(req) == {Status.SUBMITTED}  # the returned task too

    req = answered(req, bob, hr_bureau, carol)  # dispatched again, then answered
    assert copies(req) == {Status.ANSWERED} and Dispatch.objects.filter(request=req).count() == 3
    services.request_evaluate(req_id=req.pk, actor=alice, verdict=Verdict.DISSATISFIED, comment="没有解决")
    assert copies(req) == {Status.IN_PROGRESS}
    services.dispatch_answer(dispatch_id=lead_dispatch(req).pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决")
    assert copies(req) == {Status.ANSWERED}
    services.request_evaluate(req_id=req.pk, actor=alice, verdict=Verdict.SATISFIED)
    assert copies(req) == {Status.CLOSED}

    withdrawn = dispatched(make_request(acme, alice, title="撤回的诉求"), bob, hr_bureau)
    services.request_withdraw(req_id=withdrawn.pk, actor=alice, reason="问题已自行解决")
    assert copies(withdrawn) == {Status.WITHDRAWN}

    unevaluated = answered(make_request(acme, alice, title="无人评价"), bob, hr_bureau, carol)
    assert services.request_close_unevaluated(req_id=unevaluated.pk, now=timezone.now() + timedelta(days=60))
    assert copies(unevaluated) == {Status.CLOSED}

    taken_on = make_request(acme, alice, title="专员先办后交办")
    services.request_take_on(req_id=taken_on.pk, actor=bob)
    taken_on = dispatched(taken_on, bob, housing_bureau)
    assert copies(taken_on) == {Status.IN_PROGRESS}
    assert stale_copies() == []


def test_it_keeps_the_copy_for_writers_that_bypass_the_services(acme, alice, bob, bert, hr_bureau):
    req = dispatched(make_request(acme, alice), bob, hr_bureau)
    task = lead_dispatch(req)  # read while the request is in progress

    Request.objects.filter(pk=req.pk).update(status=Status.CLOSED)  # a maintenance script's bulk update
    assert copies(req) == {Status.CLOSED}

    task.save()  # a whole-row save of a task read before the change does not bring the old state back
    assert copies(req) == {Status.CLOSED}

    other = make_request(acme, alice, title="另一件")
    bulk_co_task(other, hr_bureau, bob)  # a bulk load that does not name the copy
    assert copies(other) == {Status.SUBMITTED}

    Dispatch.objects.filter(request=other).update(request=req)  # a task moved to another request
    assert copies(req) == {Status.CLOSED}
    assert stale_copies() == []


def test_the_migrations_fill_puts_right_every_copy_already_written(acme, alice, bob, hr_bureau, carol):
    done = answered(make_request(acme, alice), bob, hr_bureau, carol)
    live = dispatched(make_request(acme, alice, title="办理中"), bob, hr_bureau)
    Dispatch.objects.update(request_status="")  # the tasks as they were before the copy existed
    assert len(stale_copies()) == 2
    with connection.cursor() as cursor:
        cursor.execute(triggers.FILL)
    assert (copies(done), copies(live)) == ({Status.ANSWERED}, {Status.IN_PROGRESS})


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite drops a table's triggers when it rebuilds it")
def test_it_puts_back_the_sqlite_triggers_a_table_rebuild_dropped(acme, alice, bob, hr_bureau):
    with connection.cursor() as cursor:
        for sql in triggers.SQLITE_DROP:
            cursor.execute(sql)
    triggers.ensure_triggers()
    req = dispatched(make_request(acme, alice), bob, hr_bureau)
    Request.objects.filter(pk=req.pk).update(status=Status.ANSWERED)
    assert copies(req) == {Status.ANSWERED}


# ---------------------------------------------------------------------------------------------
# the department queue's tabs on the copy, against the same tabs joined to the requests


def joined_condition(tab: str, now) -> Q:
    """The department tabs as they were defined before the copy: on the request, through the join."""
    if tab == "open":
        return Q(status__in=OPEN_DISPATCH_STATUSES)
    if tab == "overdue":
        return Q(status__in=OPEN_DISPATCH_STATUSES, answer_due_at__lt=now, request__status__in=ANSWER_CLOCK_STATUSES)
    if tab == "all":
        return ~Q(status=DispatchStatus.CANCELLED)
    return Q(request__status=tab) & ~Q(status=DispatchStatus.CANCELLED)


@pytest.fixture
def varied(acme, alice, bob, hr_bureau, housing_bureau, carol, chris):
    """hr's tasks over requests in every state, as lead and co-handler, open, answered, returned, cancelled."""
    made = {}
    made["submitted"] = make_request(acme, alice, title="待分解")  # no task
    returned = dispatched(make_request(acme, alice, title="退回"), bob, hr_bureau)
    services.dispatch_return(dispatch_id=lead_dispatch(returned).pk, actor=carol, reason="不属于我局")
    made["in_progress"] = dispatched(make_request(acme, alice, title="办理中"), bob, hr_bureau, co=[housing_bureau])
    co_task = dispatched(make_request(acme, alice, title="协办"), bob, housing_bureau, co=[hr_bureau])
    services.dispatch_accept(dispatch_id=co_dispatch(co_task, hr_bureau).pk, actor=carol)
    paused = dispatched(make_request(acme, alice, title="待补充"), bob, hr_bureau)
    services.request_ask_info(req_id=paused.pk, actor=bob, question="请补充材料")
    made["answered"] = answered(make_request(acme, alice, title="已答复"), bob, hr_bureau, carol)
    closed = answered(make_request(acme, alice, title="已办结"), bob, hr_bureau, carol)
    services.request_evaluate(req_id=closed.pk, actor=alice, verdict=Verdict.SATISFIED)
    withdrawn = dispatched(make_request(acme, alice, title="撤回"), bob, hr_bureau, co=[housing_bureau])
    services.request_withdraw(req_id=withdrawn.pk, actor=alice)  # its tasks cancelled
    reopened = answered(make_request(acme, alice, title="不满意"), bob, hr_bureau, carol)
    services.request_evaluate(req_id=reopened.pk, actor=alice, verdict=Verdict.DISSATISFIED, comment="没解决")
    return made


@pytest.mark.parametrize("days_later", [0, 2, 30])  # before and long after the answer deadlines
def test_the_department_tabs_on_the_copy_equal_the_tabs_joined_to_the_requests(varied, carol, days_later):
    spec = queues.SPECS[queues.DEPARTMENT]
    now = timezone.now() + timedelta(days=days_later)
    rows = queues.department_rows(carol)
    expected = {key: rows.filter(joined_condition(key, now)).count() for key in queues.TAB_KEYS}
    assert queues.tab_counts(spec, rows, now) == expected
    for key in queues.TAB_KEYS:
        on_copy = set(rows.filter(queues.tab_condition(spec, key, now)).values_list("pk", flat=True))
        assert on_copy == set(rows.filter(joined_condition(key, now)).values_list("pk", flat=True)), key
    # past the answer deadlines: the lead in progress, the accepted co-task and the reopened lead
    assert expected["overdue"] == (3 if days_later == 30 else 0)
    assert all(expected[key] for key in queues.TAB_KEYS if key != "overdue")  # every tab has rows to compare


def test_the_department_tabs_are_counted_in_one_query_that_reads_no_request(varied, carol):
    spec = queues.SPECS[queues.DEPARTMENT]
    with CaptureQueriesContext(connection) as queries:
        counts = queues.tab_counts(spec, queues.department_rows(carol), timezone.now())
    assert counts[Status.IN_PROGRESS] == 3
    department_query, count_query = (q["sql"] for q in queries.captured_queries)  # the handler's departments
    assert "orgs_departmentmembership" in department_query
    assert "issues_request" not in count_query
