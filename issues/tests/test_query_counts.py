"""Exact query counts: a work list costs the same at 10 rows as at 50, and the main services and one
reminder sweep cost a fixed number of queries. A change of these numbers is a change of behaviour: say
in the comment what the new query is for. (SAVEPOINT / RELEASE pairs of nested atomic blocks count too.)"""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from issues import reminders, services
from issues.clock import SHANGHAI
from issues.models import Card, Outcome, Verdict
from portal.orgs.models import Pairing

from .factories import dispatched, lead_dispatch, make_request

pytestmark = pytest.mark.django_db

# every page: session, user, the bell's unread count (a page saves the session only when it changes it:
# the idle clock writes the time of activity at most every 30 s)
PAGE = 3
# Each list reads the token of the listing a process keeps (portal/orgs/listing.py): the regions and
# departments of the choices, the category choices and the SLA policies of the rows' regions come with it.
LISTS = {
    # + the token, the commissioner's paired enterprises and key projects (visibility ids, one query), tab
    # counts (one query), the page of rows, their live tasks (plain values, with their departments' names)
    ("bob", "queue"): PAGE + 5,
    # + the token, the handler's departments (visibility ids, kept for the row actions), tab counts, the
    # page of tasks with request / enterprise / category / department, the handler's departments (the
    # filter's choices, with their names)
    ("carol", "department_queue"): PAGE + 5,
    # + the token, the scope's region paths (kept for the filter choices; the regions under them come with
    # the listing), tab counts, the page, its live tasks: for a scope of every region (dave's) and of one
    # district (dora's)
    ("dave", "supervisor_list"): PAGE + 5,
    ("dora", "supervisor_list"): PAGE + 5,
    # + the token, the member's enterprises (visibility ids), tab counts, the page
    ("alice", "my_requests"): PAGE + 4,
}


@pytest.mark.parametrize("who, name", list(LISTS))
@pytest.mark.parametrize("rows", [10, 50])
def test_a_work_list_costs_the_same_at_any_length(
    client, acme, alice, bob, carol, dave, dora, hr_bureau, request, who, name, rows, django_assert_num_queries
):
    for i in range(rows):
        dispatched(make_request(acme, alice, title=f"诉求{i}"), bob, hr_bureau)
    client.force_login(request.getfixturevalue(who))
    client.get(reverse(f"issues:{name}"), {"size": 50})  # the first request of a session stores its language
    with django_assert_num_queries(LISTS[who, name]):
        response = client.get(reverse(f"issues:{name}"), {"size": 50})
    assert len(response.context["page"]) == rows


@pytest.fixture
def paired(bob, bert):
    Pairing.objects.update(starts_on=date(2020, 1, 1))


def test_it_pins_the_main_services(acme, alice, bob, carol, hr_bureau, paired, django_assert_num_queries):
    make_request(acme, alice)  # warms the category cache of the factory
    # category, savepoint, alice acts for acme, SLA policy, holiday overrides, the A/B pairings, insert the
    # request, insert its event, savepoint + notification (bob) + release, release
    with django_assert_num_queries(12):
        req = make_request(acme, alice)
    # savepoint, lock the request, no live lead task (rule), open co-handler tasks, savepoint + insert the
    # task + release, update the request, insert the event, lead handlers, savepoint + notification +
    # release, enterprise users, savepoint + notification + release, release; then the knowledge base's
    # suggested lead department (past requests, their departments) and its row (savepoint, look up,
    # insert, release)
    with django_assert_num_queries(25):
        services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau)
    task = lead_dispatch(req)
    # savepoint, the task's request id, lock the request, lock the task, carol's departments (rule),
    # update the task, SLA policy, holiday overrides (evaluation reminder), update the request, insert
    # the event, enterprise users, savepoint + notification + release (the enterprise's wording), the A/B
    # pairings, savepoint + notification + release (the commissioners' wording), release
    with django_assert_num_queries(19):
        services.dispatch_answer(dispatch_id=task.pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决")
    # savepoint, lock the request, alice acts for acme (rule), savepoint + insert the evaluation + release,
    # cancel open tasks, update the request, insert the event, the A/B pairings, lead handlers, savepoint +
    # notification + release, release
    with django_assert_num_queries(15):
        services.request_evaluate(req_id=req.pk, actor=alice, verdict=Verdict.SATISFIED)


@pytest.mark.parametrize("late", [5, 20])
def test_it_pins_one_sweep(acme, alice, bob, paired, late, django_assert_num_queries):
    with time_machine.travel(datetime(2025, 11, 14, 16, tzinfo=SHANGHAI), tick=False):
        for i in range(late):
            make_request(acme, alice, title=f"迟{i}")
    # insert the sweep run; the directory (region paths, supervisor scopes); per stage with requests due
    # (dispatch near, dispatch missed): the due ids, the batch's recipients (requests, pairings, units,
    # members, departments — read again for each batch, which keeps only its own), then a savepoint, the locked
    # requests, the reminders already sent, insert reminders, (missed: cards already issued, insert
    # cards, insert events), insert notifications, release, and the next page of due ids; the other
    # four stages find nothing due (one query each); finally update the sweep run
    with django_assert_num_queries(36):
        reminders.sweep(now=datetime(2025, 11, 17, 17, tzinfo=SHANGHAI))
    assert Card.objects.count() == late
