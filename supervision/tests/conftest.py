"""A hand-counted month of requests, built through issues.services at frozen times.

Kuiwen (acme, alice files, bob dispatches, chris answers for the housing bureau):
  r1 resolved, satisfied (100)            r4 resolved, closed not evaluated
  r2 dissatisfied → reopened → resolved, basically satisfied (80); a red card
  r3 withdrawn                             r5 never dispatched: open, overdue, late; yellow card + a revoked red
  r6 taken on, answered "cannot now", basically satisfied (80)
Fangzi (globex, gina files, carl dispatches, fred answers): r7 resolved, satisfied (100)
"""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from issues import services as s
from issues.models import Card, Category, Dispatch
from portal.orgs import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)  # a Monday
LATER = datetime(2025, 3, 17, 10, 0, tzinfo=SHANGHAI)
MARCH = {"period": "custom", "from": "2025-03-01", "to": "2025-03-31"}


def _lead(req):
    return Dispatch.objects.filter(request=req, role="lead").order_by("-pk").first()


def _answer(req, handler, outcome="resolved"):
    dispatch = _lead(req)
    if dispatch.status == "pending":
        s.dispatch_accept(dispatch_id=dispatch.pk, actor=handler)
    s.dispatch_answer(dispatch_id=dispatch.pk, actor=handler, outcome=outcome, body="已处理")


@pytest.fixture
def month(db, alice, bob, chris, dave, dora, dan, carl, fangzi, globex, housing_bureau, kuiwen):
    category = Category.objects.order_by("sort_order").first()
    fz_bureau = f.DepartmentFactory(name="坊子区住建局", region=fangzi)
    fred = f.UserFactory(username="fred", phone="13900000011", is_handler=True)
    f.handler_of(fred, fz_bureau)
    gina = f.UserFactory(username="gina", phone="13900000012", is_enterprise_user=True)
    f.member(gina, globex)

    def submit(user, enterprise, title):
        return s.request_submit(actor=user, enterprise=enterprise, category=category, title=title, description="说明")

    with time_machine.travel(T0, tick=False):
        r = {i: submit(alice, alice.enterprise_memberships.first().enterprise, f"诉求{i}") for i in range(1, 7)}
        r[7] = submit(gina, globex, "诉求7")
        for i in (1, 2, 4):
            s.request_dispatch(req_id=r[i].pk, actor=bob, lead=housing_bureau)
            _answer(r[i], chris)
        s.request_evaluate(req_id=r[1].pk, actor=alice, verdict="satisfied")
        s.request_evaluate(req_id=r[2].pk, actor=alice, verdict="dissatisfied", comment="没解决")
        _answer(r[2], chris)
        s.request_evaluate(req_id=r[2].pk, actor=alice, verdict="basically")
        s.request_withdraw(req_id=r[3].pk, actor=alice)
        s.request_take_on(req_id=r[6].pk, actor=bob)
        s.request_answer_directly(req_id=r[6].pk, actor=bob, outcome="not_now", body="暂不具备条件")
        s.request_evaluate(req_id=r[6].pk, actor=alice, verdict="basically")
        s.request_dispatch(req_id=r[7].pk, actor=carl, lead=fz_bureau)
        _answer(r[7], fred)
        s.request_evaluate(req_id=r[7].pk, actor=gina, verdict="satisfied")
    s.request_close_unevaluated(req_id=r[4].pk, now=LATER)
    Card.objects.create(request=r[5], unit=housing_bureau, region=kuiwen, kind="yellow", issued_at=LATER)
    Card.objects.create(
        request=r[5], unit=housing_bureau, region=kuiwen, kind="red", round=0, issued_at=LATER, revoked_at=LATER
    )
    Card.objects.create(request=r[2], unit=housing_bureau, region=kuiwen, kind="red", issued_at=LATER)
    return SimpleNamespace(r=r, category=category, fz_bureau=fz_bureau, fred=fred, gina=gina)


@pytest.fixture
def at_later():
    with time_machine.travel(LATER, tick=False):
        yield LATER
