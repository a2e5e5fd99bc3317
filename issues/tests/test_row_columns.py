"""The work lists read only the columns a row shows (issues/queues.py ``REQUEST_ROW_FIELDS``): no row reads a
column it did not fetch (each such read is one more query per row), and the rows' markup is the same as
from whole instances, for rows in every state and for each list's people."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db.models import Model, Prefetch
from django.urls import reverse
from django.utils import timezone, translation

from issues import permissions as perms
from issues import queues, services
from issues.models import Dispatch, DispatchStatus, Request, Source
from issues.selectors import policies_by_region
from issues.views.rows import _decorate

from .factories import co_dispatch, dispatched, lead_dispatch, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(acme, alice, bob, carol, chris, hr_bureau, housing_bureau):
    """Requests in each state a list shows, with lead and co tasks, overdue ones and a hotline work order."""
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        overdue = make_request(acme, alice, title="逾期很久的诉求")
    with time_machine.travel(timezone.now() - timedelta(days=6)):
        late = dispatched(make_request(acme, alice, title="逾期的任务"), bob, hr_bureau)
    make_request(acme, alice, title="待分解 <b>诉求</b> & 标题")
    make_request(acme, bob, title="热线工单", source=Source.HOTLINE, work_order_number="GD-0001")
    co = dispatched(make_request(acme, alice, title="主办与协办"), bob, hr_bureau, co=[housing_bureau])
    services.dispatch_accept(dispatch_id=lead_dispatch(co).pk, actor=carol)
    services.dispatch_answer(
        dispatch_id=co_dispatch(co, housing_bureau).pk, actor=chris, outcome="resolved", body="协办意见：同意。"
    )
    accepted = dispatched(make_request(acme, alice, title="已接收"), bob, hr_bureau)
    services.dispatch_accept(dispatch_id=lead_dispatch(accepted).pk, actor=carol)
    services.extension_request(
        dispatch_id=lead_dispatch(accepted).pk,
        actor=carol,
        reason="需要现场核查。",
        requested_due_at=accepted.answer_due_at + timedelta(days=5),
    )
    taken = make_request(acme, alice, title="专员直接办理")
    services.request_take_on(req_id=taken.pk, actor=bob)
    asked = make_request(acme, alice, title="待补充材料")
    services.request_ask_info(req_id=asked.pk, actor=bob, question="请补充营业执照。")
    answered = dispatched(make_request(acme, alice, title="已答复"), bob, hr_bureau)
    services.dispatch_answer(
        dispatch_id=lead_dispatch(answered).pk, actor=carol, outcome="resolved", body="已协调解决。"
    )
    returned = dispatched(make_request(acme, alice, title="被退回"), bob, hr_bureau)
    services.dispatch_return(dispatch_id=lead_dispatch(returned).pk, actor=carol, reason="不属于本部门职责。")
    services.request_withdraw(req_id=make_request(acme, alice, title="已撤回").pk, actor=alice)
    return [overdue, late]


LISTS = [
    ("bob", "queue", queues.COMMISSIONER),
    ("carol", "department_queue", queues.DEPARTMENT),
    ("chris", "department_queue", queues.DEPARTMENT),
    ("alice", "my_requests", queues.ENTERPRISE),
    ("dave", "supervisor_list", queues.SUPERVISOR),
]


def _no_column_fetch(self, *args, **kwargs):
    raise AssertionError(f"a row read a column it did not fetch: {type(self).__name__} {kwargs.get('fields')}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who, name, kind", LISTS)
def test_no_row_reads_a_column_it_did_not_fetch(client, varied, request, who, name, kind, language):
    client.cookies["django_language"] = language
    client.force_login(request.getfixturevalue(who))
    for tab in ("all", "open", "overdue"):
        # a deferred column is read through Model.refresh_from_db (one query per row)
        with mock.patch.object(Model, "refresh_from_db", _no_column_fetch):
            response = client.get(reverse(f"issues:{name}"), {"size": 50, "tab": tab})
        assert response.status_code == 200
        if tab == "all":
            assert len(response.context["page"]) >= 1


def _whole_rows(spec, qs):
    """The page's rows as whole instances (every column, the enterprise, category, region and departments as
    instances), the way the lists read them before, with the names the row shows taken from those."""
    if spec.over_dispatches:
        rows = list(qs.select_related("request__enterprise", "request__category", "department"))
        for row in rows:
            row.department_name = row.department.name
            row.extension_waiting = row.extensions.filter(status="pending").exists()
        requests = [row.request for row in rows]
    else:
        qs = qs.select_related("enterprise", "category", "region")
        if spec.kind in (queues.COMMISSIONER, queues.SUPERVISOR):
            live = Dispatch.objects.exclude(status=DispatchStatus.CANCELLED).select_related("department")
            qs = qs.prefetch_related(Prefetch("dispatches", queryset=live, to_attr="live_dispatches"))
        rows = requests = list(qs)
        for req in requests:
            req.region_name = req.region.name
            for task in getattr(req, "live_dispatches", ()):
                task.department_name, task.department_short_name = task.department.name, task.department.short_name
    for row, req in zip(rows, requests, strict=True):
        row.enterprise_name = req.enterprise.name
        row.category_name, row.category_name_en = req.category.name, req.category.name_en
    return rows


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who, name, kind", LISTS)
def test_the_rows_markup_is_that_of_whole_instances(varied, request, who, name, kind, language):
    user = request.getfixturevalue(who)
    spec = queues.SPECS[kind]
    now = timezone.now()
    qs = queues.ordered(spec, queues.ROWS[kind](user), "urgency")
    with translation.override(language):
        fast = list(queues.with_relations(spec, qs))
        whole = _whole_rows(spec, qs)
        assert fast[0].get_deferred_fields() and not whole[0].get_deferred_fields()
        csrf = '<input type="hidden" name="x" value="y">'
        _decorate(kind, fast, user, policies_by_region(), now, csrf)
        with mock.patch.object(queues, "attach_live_tasks", lambda rows: None):  # keeps the Dispatch instances
            _decorate(kind, whole, user, policies_by_region(), now, csrf)
    assert len(fast) >= 1
    assert [row.html for row in fast] == [row.html for row in whole]
    assert [row.quick for row in fast] == [row.quick for row in whole]
    if kind in (queues.COMMISSIONER, queues.SUPERVISOR):
        assert any(row.live_dispatches for row in fast)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_offered_actions_are_the_allowed_ones(varied, alice, bob, carol, chris, dave, language):
    """``actions_for`` skips the refusals' reasons; what it offers is still exactly what ``allowed`` allows."""
    with translation.override(language):
        for user in (alice, bob, carol, chris, dave):
            for req in Request.objects.all():
                assert perms.actions_for(user, req) == [a for a in perms.REQUEST_ACTIONS if perms.allowed(user, a, req)]
                for task in req.dispatches.all():
                    assert perms.task_actions_for(user, task) == [
                        a for a in perms.TASK_ACTIONS if perms.allowed(user, a, req, task=task)
                    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_not_now_reason_names_the_state_as_the_page_does(varied, language):
    with translation.override(language):
        for req in Request.objects.all():
            assert f"“{req.get_status_display()}”" in perms._not_now(req)
            for task in req.dispatches.all():
                assert f"“{task.get_status_display()}”" in perms._task_not_now(task)
