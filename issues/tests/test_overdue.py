"""One definition of "overdue" (issues/deadlines.py), the same in the queue tab, the row badge, the
dashboard count, the accountability list and the reminder sweep.

Three requests filed Friday 14 November 2025 at 16:00 (dispatch by Monday 17 16:00, answer by Wednesday
19 16:00): one never dispatched (late), one dispatched on time and then paused by a question to the
enterprise (待补充), one dispatched on time and returned by the department (待分解 again, its dispatch
clock stopped).
"""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from issues import deadlines, reminders, services
from issues.clock import SHANGHAI
from issues.models import Card, CardKind, Request, Status
from portal.orgs.models import Pairing
from supervision.metrics import METRICS
from supervision.selectors import accountability_q

from .factories import dispatched, fresh, lead_dispatch, make_request

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


MONDAY_17 = at(2025, 11, 17, 17)  # past the dispatch deadline only
THURSDAY_10 = at(2025, 11, 20, 10)  # past both deadlines


@pytest.fixture
def three(acme, alice, bob, bert, carol, hr_bureau):
    Pairing.objects.update(starts_on=date(2020, 1, 1))
    with time_machine.travel(at(2025, 11, 14, 16), tick=False):
        late, paused, returned = (make_request(acme, alice, title=t) for t in ("迟", "停", "退"))
    with time_machine.travel(at(2025, 11, 17, 10), tick=False):
        dispatched(paused, bob, hr_bureau)
        dispatched(returned, bob, hr_bureau)
    with time_machine.travel(at(2025, 11, 17, 12), tick=False):
        services.dispatch_return(dispatch_id=lead_dispatch(returned).pk, actor=carol, reason="不属于本部门")
    with time_machine.travel(at(2025, 11, 18, 10), tick=False):
        services.request_ask_info(req_id=paused.pk, actor=bob, question="请补充合同")
    late, paused, returned = fresh(late), fresh(paused), fresh(returned)
    assert (paused.status, returned.status, returned.assigned_on_time) == (Status.INFO_NEEDED, Status.SUBMITTED, True)
    return late, paused, returned


def everywhere(client, bob, now) -> tuple[dict[str, set[int]], int]:
    """The overdue requests as each place lists them at ``now``, and the overdue tab's count."""
    client.force_login(bob)
    with time_machine.travel(now, tick=False):
        tab = client.get(reverse("issues:queue"), {"tab": "overdue"})
        listed = client.get(reverse("issues:queue"), {"tab": "all"})
    count = {key: n for key, _label, n in tab.context["tabs"]}["overdue"]
    return {
        "tab": {row.pk for row in tab.context["page"]},
        "badge": {row.pk for row in listed.context["page"] if row.overdue},
        "predicate": {r.pk for r in Request.objects.all() if deadlines.is_overdue(r, now)},
        "queryset": set(Request.objects.filter(deadlines.overdue_q(now)).values_list("pk", flat=True)),
        "dashboard": set(Request.objects.filter(METRICS["overdue"].q(now)).values_list("pk", flat=True)),
    }, count


def test_paused_and_returned_requests_are_not_overdue_on_the_dispatch_deadline(client, three, bob):
    late, _paused, _returned = three
    seen, count = everywhere(client, bob, MONDAY_17)
    assert all(ids == {late.pk} for ids in seen.values()), seen
    assert count == 1


def test_only_the_paused_request_escapes_the_answer_deadline(client, three, bob):
    late, paused, returned = three
    seen, count = everywhere(client, bob, THURSDAY_10)
    assert all(ids == {late.pk, returned.pk} for ids in seen.values()), seen
    assert count == 2
    accountable = set(Request.objects.filter(accountability_q(THURSDAY_10)).values_list("pk", flat=True))
    assert accountable == {late.pk, returned.pk}


def test_a_paused_task_is_not_overdue_in_the_department_queue(client, three, carol):
    _late, paused, _returned = three
    client.force_login(carol)
    with time_machine.travel(THURSDAY_10, tick=False):
        tab = client.get(reverse("issues:department_queue"), {"tab": "overdue"})
        listed = client.get(reverse("issues:department_queue"), {"tab": "all"})
    assert list(tab.context["page"]) == []
    rows = {row.request_id: row for row in listed.context["page"]}
    assert not rows[paused.pk].overdue and rows[paused.pk].paused


def test_the_sweep_cards_only_the_late_clocks(three):
    late, paused, returned = three
    reminders.sweep(now=MONDAY_17)
    assert set(Card.objects.values_list("request_id", "kind")) == {(late.pk, CardKind.YELLOW)}
    reminders.sweep(now=THURSDAY_10)
    assert set(Card.objects.values_list("request_id", "kind")) == {
        (late.pk, CardKind.YELLOW),
        (late.pk, CardKind.RED),
        (returned.pk, CardKind.RED),  # overdue on the answer deadline only
    }
    assert not Card.objects.filter(request=paused).exists()
