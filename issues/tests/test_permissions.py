"""Who may do what on a request, now (issues/permissions.py), and the decided cases: the request page, the
queue row and the service give the same answer."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from issues import services
from issues.models import Outcome, RequestEvent, Status
from issues.permissions import Action, actions_for, allowed, task_actions_for
from issues.services import TransitionError

from .factories import dispatched, fresh, lead_dispatch, make_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def req(acme, alice, bob, bert):
    return make_request(acme, alice)


def page_actions(client, user, req) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("issues:request_detail", args=[req.pk]))
    assert response.status_code == 200
    return [a["key"] for a in response.context["actions"]]


def row_actions(client, user, req, name="queue", tab="open") -> list[str]:
    client.force_login(user)
    response = client.get(reverse(f"issues:{name}"), {"tab": tab})
    return {row.pk: row.quick for row in response.context["page"]}.get(getattr(req, "pk", req))


def test_it_answers_with_a_reason(req, alice, bob, carl):
    assert allowed(bob, Action.TAKE_ON, req).ok
    refused = allowed(carl, Action.TAKE_ON, req)
    assert (refused.ok, refused.refusal) == (False, "who")
    late = allowed(alice, Action.EVALUATE, req)
    assert (late.ok, late.refusal) == (False, "state")
    assert "Awaiting dispatch" in late.reason


def test_it_lists_what_each_person_may_do_on_a_new_request(req, alice, bob, carl, dave, carol):
    assert actions_for(alice, req) == [Action.WITHDRAW]
    assert actions_for(bob, req) == [Action.DISPATCH, Action.TAKE_ON, Action.ASK_INFO, Action.REASSIGN]
    assert actions_for(dave, req) == [Action.REASSIGN]  # a supervisor in scope may hand it over
    assert actions_for(carl, req) == actions_for(carol, req) == []


# ---------------------------------------------------------------------------------------------
# decided: dispatch after the commissioner took the request on


def test_a_taken_on_request_may_still_be_dispatched_on_the_page_the_row_and_by_the_service(client, req, bob, hr_bureau):
    services.request_take_on(req_id=req.pk, actor=bob)
    req = fresh(req)
    assert "dispatch" in page_actions(client, bob, req)
    assert "dispatch" in row_actions(client, bob, req)
    assert {"answer", "dispatch"} <= set(row_actions(client, bob, req))
    req = dispatched(req, bob, hr_bureau)
    assert (req.handled_directly, req.lead_department) == (False, hr_bureau)
    event = RequestEvent.objects.filter(request=req, action="dispatch").get()
    assert event.data["taken_on_before"] is True  # the end of the direct handling is on the record
    assert "answer" not in page_actions(client, bob, req)
    with pytest.raises(TransitionError, match="lead department answers"):
        services.request_answer_directly(req_id=req.pk, actor=bob, outcome=Outcome.RESOLVED, body="已解决")


def test_a_dispatched_request_offers_no_second_dispatch_anywhere(client, req, bob, bert, hr_bureau):
    req = dispatched(req, bob, hr_bureau)
    assert "dispatch" not in page_actions(client, bert, req)
    assert "dispatch" not in row_actions(client, bert, req)
    assert not allowed(bert, Action.DISPATCH, req).ok
    with pytest.raises(TransitionError, match="already been dispatched"):
        services.request_dispatch(req_id=req.pk, actor=bert, lead=hr_bureau)


# ---------------------------------------------------------------------------------------------
# decided: what a department that returned a misrouted task may still see


def test_a_department_that_returned_its_task_keeps_reading_the_request_but_may_do_nothing(
    client, req, bob, carol, hr_bureau
):
    req = dispatched(req, bob, hr_bureau)
    task = lead_dispatch(req)
    services.dispatch_return(dispatch_id=task.pk, actor=carol, reason="不属于本部门职责")
    task, req = fresh(task), fresh(req)
    assert req.status == Status.SUBMITTED
    assert page_actions(client, carol, req) == []
    client.force_login(carol)
    response = client.get(reverse("issues:request_detail", args=[req.pk]))
    assert response.context["my_dispatch_panels"] == []
    assert task_actions_for(carol, task) == []
    assert row_actions(client, carol, task, name="department_queue", tab="all") == []
    assert row_actions(client, carol, task, name="department_queue", tab="open") is None  # no longer to do
    with pytest.raises(TransitionError, match="Returned"):
        services.dispatch_accept(dispatch_id=task.pk, actor=carol)
    with pytest.raises(PermissionDenied):
        services.request_ask_info(req_id=req.pk, actor=carol, question="？")


# ---------------------------------------------------------------------------------------------
# tasks


def test_it_offers_the_lead_task_its_actions_and_refuses_a_stranger(req, bob, carol, chris, hr_bureau):
    req = dispatched(req, bob, hr_bureau)
    task = lead_dispatch(req)
    assert task_actions_for(carol, task) == [
        Action.TASK_ACCEPT,
        Action.TASK_ANSWER,
        Action.TASK_RETURN,
        Action.TASK_EXTENSION,
    ]
    assert task_actions_for(chris, task) == []
    with pytest.raises(PermissionDenied):
        services.dispatch_accept(dispatch_id=task.pk, actor=chris)
