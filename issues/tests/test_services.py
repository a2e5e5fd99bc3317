"""Every transition of a request, allowed and refused (docs/requests.md, "The lifecycle")."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import translation

from issues import clock, services
from issues.clock import SHANGHAI
from issues.models import (
    CloseReason,
    Dispatch,
    DispatchStatus,
    Evaluation,
    Extension,
    ExtensionStatus,
    Outcome,
    Request,
    RequestEvent,
    SlaPolicy,
    Source,
    Status,
    Verdict,
)
from issues.services import StaleError, TransitionError
from portal.accounts.models import AuditEvent
from portal.notifications.models import Notification
from portal.notifications.services import notify

from .factories import (
    answered,
    category,
    co_dispatch,
    co_opinion_deadline_passes,
    dispatched,
    fresh,
    lead_dispatch,
    make_request,
    message_of,
    taken_on_and_answered,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def req(acme, alice, bob, bert):
    return make_request(acme, alice)


@pytest.fixture
def sent(req, bob, hr_bureau, housing_bureau, carol, chris):
    """Dispatched by bob: lead the city HR bureau (carol), co-handler the Kuiwen housing bureau (chris)."""
    return dispatched(req, bob, hr_bureau, co=[housing_bureau])


@pytest.fixture
def done(sent, bob, hr_bureau, carol):
    """Answered by carol for the lead department, awaiting evaluation."""
    return answered(sent, bob, hr_bureau, carol)


def timeline(req: Request) -> list[tuple]:
    return [
        (e.action, e.from_status, e.to_status, e.actor.username if e.actor else None)
        for e in RequestEvent.objects.filter(request_id=req.pk).select_related("actor").order_by("pk")
    ]


def notified(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def unchanged(before: Request) -> None:
    """The request row and its timeline are as they were."""
    after = fresh(before)
    assert (after.status, after.version, after.answer_due_at, after.commissioner_id) == (
        before.status,
        before.version,
        before.answer_due_at,
        before.commissioner_id,
    )
    assert RequestEvent.objects.filter(request_id=before.pk).count() == before.events.count()


# ---------------------------------------------------------------------------------------------
# submit


def test_it_files_a_request_with_both_deadlines_and_a_submit_event(req, alice, bob):
    assert req.status == Status.SUBMITTED
    assert req.commissioner == bob  # the A角 is responsible by default
    assert req.assign_due_at < req.answer_due_at == req.original_answer_due_at
    assert req.version == 1
    assert timeline(req) == [("submit", "", "submitted", "alice")]


def test_it_notifies_bob_and_bert_of_a_new_request(req):
    assert notified("request_submitted") == {"bob", "bert"}
    assert Notification.objects.filter(kind="request_submitted").first().url.endswith(f"/{req.pk}/")


def test_it_refuses_a_request_for_an_enterprise_the_user_does_not_act_for(alice, globex, carl, acme):
    with pytest.raises(PermissionDenied):
        make_request(globex, alice)
    with pytest.raises(PermissionDenied):
        make_request(acme, carl)  # a commissioner does not file as the enterprise
    assert not Request.objects.exists()


def test_it_lets_a_paired_commissioner_file_on_a_visit_but_not_carl(acme, bob, carl):
    req = make_request(acme, bob, source=Source.VISIT)
    assert req.source == Source.VISIT and req.created_by == bob
    with pytest.raises(PermissionDenied):
        make_request(acme, carl, source=Source.HOTLINE)


def test_it_refuses_an_empty_title_or_an_inactive_category(acme, alice):
    with pytest.raises(TransitionError) as info:
        make_request(acme, alice, title="   ")
    assert message_of(info.value) == "Enter a title."
    retired = category("other")
    retired.is_active = False
    retired.save()
    with pytest.raises(TransitionError, match="no longer in use"):
        make_request(acme, alice, category=retired)
    assert not Request.objects.exists()


# ---------------------------------------------------------------------------------------------
# withdraw


def test_it_lets_alice_withdraw_and_cancels_the_dispatches(sent, alice):
    services.request_withdraw(req_id=sent.pk, actor=alice, reason="问题已自行解决")
    req = fresh(sent)
    assert req.status == Status.WITHDRAWN and req.closed_at is not None
    assert set(req.dispatches.values_list("status", flat=True)) == {DispatchStatus.CANCELLED}
    assert timeline(req)[-1] == ("withdraw", "in_progress", "withdrawn", "alice")
    assert notified("request_withdrawn") == {"bob", "bert", "carol", "chris"}


def test_it_refuses_a_withdrawal_by_the_commissioner(req, bob):
    with pytest.raises(PermissionDenied):
        services.request_withdraw(req_id=req.pk, actor=bob)
    unchanged(req)


def test_it_refuses_to_withdraw_an_answered_request(done, alice):
    with pytest.raises(TransitionError, match="“Answered”"):
        services.request_withdraw(req_id=done.pk, actor=alice)
    unchanged(done)


def test_it_refuses_to_answer_a_withdrawn_request(sent, alice, carol):
    services.request_withdraw(req_id=sent.pk, actor=alice)
    task = Dispatch.objects.get(request=sent, role=Dispatch.Role.LEAD)
    before = fresh(sent)
    with pytest.raises(TransitionError) as info:
        services.dispatch_answer(dispatch_id=task.pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决")
    assert "no longer possible" in message_of(info.value)
    unchanged(before)
    assert fresh(task).status == DispatchStatus.CANCELLED


def test_it_refuses_a_direct_answer_on_a_withdrawn_request(req, alice, bob):
    services.request_take_on(req_id=req.pk, actor=bob)
    services.request_withdraw(req_id=req.pk, actor=alice)
    with pytest.raises(TransitionError, match="Withdrawn"):
        services.request_answer_directly(req_id=req.pk, actor=bob, outcome=Outcome.RESOLVED, body="已解决")


# ---------------------------------------------------------------------------------------------
# take on and answer directly


def test_it_lets_bob_take_a_request_on_and_answer_it(req, bob, alice):
    services.request_take_on(req_id=req.pk, actor=bob, comment="我来直接办理")
    req = fresh(req)
    assert (req.status, req.handled_directly, req.commissioner) == (Status.IN_PROGRESS, True, bob)
    assert req.assigned_at is not None and req.assigned_on_time is True
    assert notified("request_taken_on") == {"alice"}
    services.request_answer_directly(req_id=req.pk, actor=bob, outcome=Outcome.PLANNED, body="分两步解决")
    req = fresh(req)
    assert (req.status, req.outcome, req.answered_on_time) == (Status.ANSWERED, Outcome.PLANNED, True)
    assert [e[0] for e in timeline(req)] == ["submit", "take_on", "answer"]
    assert notified("request_answered") == {"alice", "bob", "bert"}


def test_it_lets_the_b_commissioner_take_a_request_on(req, bert):
    services.request_take_on(req_id=req.pk, actor=bert)
    assert fresh(req).commissioner == bert
    assert timeline(req)[-1] == ("take_on", "submitted", "in_progress", "bert")


def test_it_refuses_take_on_by_carl(req, carl):
    with pytest.raises(PermissionDenied):
        services.request_take_on(req_id=req.pk, actor=carl)
    unchanged(req)


def test_it_refuses_take_on_after_dispatch(sent, bert):
    with pytest.raises(TransitionError, match="“In progress”"):
        services.request_take_on(req_id=sent.pk, actor=bert)
    unchanged(sent)


def test_it_refuses_a_direct_answer_when_a_department_handles_it(sent, bob):
    with pytest.raises(TransitionError, match="lead department answers"):
        services.request_answer_directly(req_id=sent.pk, actor=bob, outcome=Outcome.RESOLVED, body="已解决")
    unchanged(sent)


def test_it_refuses_a_direct_answer_by_carl(req, bob, carl):
    services.request_take_on(req_id=req.pk, actor=bob)
    with pytest.raises(PermissionDenied):
        services.request_answer_directly(req_id=req.pk, actor=carl, outcome=Outcome.RESOLVED, body="已解决")


# ---------------------------------------------------------------------------------------------
# dispatch


def test_it_dispatches_to_a_lead_and_a_co_handler(sent, bob, hr_bureau, housing_bureau):
    req = fresh(sent)
    assert (req.status, req.lead_department, req.handled_directly) == (Status.IN_PROGRESS, hr_bureau, False)
    assert req.assigned_at is not None and req.assigned_on_time is True
    rows = {(d.department, d.role, d.status) for d in req.dispatches.all()}
    assert rows == {
        (hr_bureau, Dispatch.Role.LEAD, DispatchStatus.PENDING),
        (housing_bureau, Dispatch.Role.CO, DispatchStatus.PENDING),
    }
    assert all(d.answer_due_at == req.answer_due_at for d in req.dispatches.all())
    assert timeline(req)[-1] == ("dispatch", "submitted", "in_progress", "bob")
    assert notified("dispatch_received") == {"carol", "chris"}
    assert notified("request_dispatched") == {"alice"}


def test_it_lets_the_b_commissioner_dispatch(req, bert, hr_bureau):
    dispatched(req, bert, hr_bureau)
    assert timeline(req)[-1] == ("dispatch", "submitted", "in_progress", "bert")


@pytest.mark.parametrize("who", ["carl", "alice", "dave", "carol"])
def test_it_refuses_a_dispatch_by_anyone_but_the_paired_commissioners(req, hr_bureau, who, request):
    with pytest.raises(PermissionDenied):
        services.request_dispatch(req_id=req.pk, actor=request.getfixturevalue(who), lead=hr_bureau)
    unchanged(req)
    assert not Dispatch.objects.exists()


def test_it_refuses_to_dispatch_twice(sent, bert, housing_bureau):
    before = fresh(sent)
    with pytest.raises(TransitionError, match="already been dispatched"):
        services.request_dispatch(req_id=sent.pk, actor=bert, lead=housing_bureau)
    unchanged(before)
    assert Dispatch.objects.filter(request=sent, role=Dispatch.Role.LEAD).count() == 1


def test_it_refuses_a_department_that_no_longer_receives_tasks(req, bob, hr_bureau):
    hr_bureau.is_active = False
    hr_bureau.save()
    with pytest.raises(TransitionError, match="no longer receives tasks"):
        services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau)
    unchanged(req)


def test_it_refuses_to_dispatch_a_closed_request(done, alice, bob, housing_bureau):
    services.request_evaluate(req_id=done.pk, actor=alice, verdict=Verdict.SATISFIED)
    with pytest.raises(TransitionError, match="“Closed”"):
        services.request_dispatch(req_id=done.pk, actor=bob, lead=housing_bureau)


def test_it_lets_a_commissioner_hand_a_taken_on_request_to_a_department(req, bob, hr_bureau):
    services.request_take_on(req_id=req.pk, actor=bob)
    assigned_at = fresh(req).assigned_at
    req = dispatched(req, bob, hr_bureau)
    assert (req.handled_directly, req.lead_department, req.assigned_at) == (False, hr_bureau, assigned_at)


# ---------------------------------------------------------------------------------------------
# department: accept, opinion, answer


def test_it_lets_carol_accept_the_lead_task_once(sent, carol):
    task = lead_dispatch(sent)
    services.dispatch_accept(dispatch_id=task.pk, actor=carol)
    task = fresh(task)
    assert (task.status, task.accepted_by) == (DispatchStatus.ACCEPTED, carol)
    assert timeline(sent)[-1] == ("accept", "in_progress", "in_progress", "carol")
    with pytest.raises(TransitionError, match="“Accepted”"):
        services.dispatch_accept(dispatch_id=task.pk, actor=carol)


def test_it_refuses_a_task_to_a_handler_of_another_department(sent, chris, bob):
    task = lead_dispatch(sent)
    for outsider in (chris, bob):
        with pytest.raises(PermissionDenied):
            services.dispatch_accept(dispatch_id=task.pk, actor=outsider)
        with pytest.raises(PermissionDenied):
            services.dispatch_answer(dispatch_id=task.pk, actor=outsider, outcome=Outcome.RESOLVED, body="已解决")
    assert fresh(task).status == DispatchStatus.PENDING
    unchanged(sent)


def test_it_keeps_the_request_open_on_a_co_handler_opinion(sent, chris, housing_bureau):
    task = co_dispatch(sent, housing_bureau)
    services.dispatch_answer(dispatch_id=task.pk, actor=chris, body="我局可配合提供场地信息")
    req = fresh(sent)
    assert req.status == Status.IN_PROGRESS and req.answered_at is None
    assert fresh(task).status == DispatchStatus.ANSWERED
    assert timeline(req)[-1] == ("opinion", "in_progress", "in_progress", "chris")
    assert notified("co_opinion") == {"carol", "bob", "bert"}
    assert not Notification.objects.filter(kind="request_answered").exists()


def test_it_answers_the_request_when_the_lead_answers(done, carol, hr_bureau):
    assert (done.status, done.outcome, done.answered_on_time) == (Status.ANSWERED, Outcome.RESOLVED, True)
    task = Dispatch.objects.get(request=done, role=Dispatch.Role.LEAD)
    assert (task.status, task.answered_by, task.accepted_at is not None) == (DispatchStatus.ANSWERED, carol, True)
    assert timeline(done)[-1] == ("answer", "in_progress", "answered", "carol")
    assert notified("request_answered") == {"alice", "bob", "bert"}


def test_it_refuses_an_answer_without_outcome_or_text(sent, carol):
    co_opinion_deadline_passes(sent)
    sent = fresh(sent)
    task = lead_dispatch(sent)
    with pytest.raises(TransitionError, match="Choose an outcome"):
        services.dispatch_answer(dispatch_id=task.pk, actor=carol, outcome="maybe", body="已解决")
    with pytest.raises(TransitionError, match="Write the answer"):
        services.dispatch_answer(dispatch_id=task.pk, actor=carol, outcome=Outcome.RESOLVED, body=" ")
    with pytest.raises(TransitionError, match="reason why it cannot be resolved"):
        services.dispatch_answer(dispatch_id=task.pk, actor=carol, outcome=Outcome.NOT_NOW, body="")
    unchanged(sent)
    assert fresh(task).status == DispatchStatus.PENDING


def test_it_refuses_to_answer_twice(done, carol):
    task = Dispatch.objects.get(request=done, role=Dispatch.Role.LEAD)
    with pytest.raises(TransitionError, match="“Answered”"):
        services.dispatch_answer(dispatch_id=task.pk, actor=carol, outcome=Outcome.RESOLVED, body="再答一次")
    unchanged(done)


# ---------------------------------------------------------------------------------------------
# more information (待补充)


def test_it_pauses_for_information_and_extends_the_answer_deadline_by_the_working_time_spent(
    alice, bob, bert, acme, hr_bureau, carol
):
    with time_machine.travel(datetime(2025, 11, 12, 9, tzinfo=SHANGHAI), tick=False) as traveller:  # a Wednesday
        req = dispatched(make_request(acme, alice), bob, hr_bureau)
        due = req.answer_due_at
        assert due == datetime(2025, 11, 17, 9, tzinfo=SHANGHAI)
        asked = datetime(2025, 11, 13, 10, tzinfo=SHANGHAI)  # Thursday
        traveller.move_to(asked)
        services.request_ask_info(req_id=req.pk, actor=bob, question="请补充近三年财务报表")
        req = fresh(req)
        assert (req.status, req.info_needed_since) == (Status.INFO_NEEDED, asked)
        assert notified("info_needed") == {"alice"}
        supplied = datetime(2025, 11, 17, 10, tzinfo=SHANGHAI)  # the Monday after
        traveller.move_to(supplied)
        services.request_supply_info(req_id=req.pk, actor=alice, comment="财务报表已上传")

    paused = clock.working_time_between(asked, supplied)
    assert paused == timedelta(days=2)  # Thu 10:00 -> Fri 24:00 is 38h, Mon 00:00 -> 10:00 is 10h
    req = fresh(req)
    assert req.status == Status.IN_PROGRESS and req.info_needed_since is None
    assert req.answer_due_at == clock.add_working_time(due, paused) == datetime(2025, 11, 19, 9, tzinfo=SHANGHAI)
    assert lead_dispatch(req).answer_due_at == req.answer_due_at
    assert timeline(req)[-2:] == [
        ("ask_info", "in_progress", "info_needed", "bob"),
        ("supply_info", "info_needed", "in_progress", "alice"),
    ]
    assert req.events.last().data["paused_seconds"] == 2 * 24 * 3600
    assert notified("info_supplied") == {"bob", "bert"}


def test_it_extends_the_assign_deadline_too_when_asked_before_dispatch(alice, bob, bert, acme):
    with time_machine.travel(datetime(2025, 11, 12, 9, tzinfo=SHANGHAI), tick=False) as traveller:
        req = make_request(acme, alice)
        services.request_ask_info(req_id=req.pk, actor=bob, question="请说明贷款用途")
        traveller.move_to(datetime(2025, 11, 12, 15, tzinfo=SHANGHAI))
        services.request_supply_info(req_id=req.pk, actor=alice, comment="用于采购原材料")
    after = fresh(req)
    assert after.status == Status.SUBMITTED
    assert after.assign_due_at == req.assign_due_at + timedelta(hours=6)
    assert after.answer_due_at == req.answer_due_at + timedelta(hours=6)


def test_it_lets_the_lead_handler_but_not_a_co_handler_ask_for_information(sent, carol, chris):
    with pytest.raises(PermissionDenied):
        services.request_ask_info(req_id=sent.pk, actor=chris, question="请补充材料")
    services.request_ask_info(req_id=sent.pk, actor=carol, question="请补充材料")
    assert timeline(sent)[-1] == ("ask_info", "in_progress", "info_needed", "carol")


def test_it_refuses_to_ask_for_information_on_an_answered_request(done, bob):
    with pytest.raises(TransitionError, match="“Answered”"):
        services.request_ask_info(req_id=done.pk, actor=bob, question="还有问题")
    unchanged(done)


def test_it_refuses_to_supply_information_nobody_asked_for(sent, alice, bob, carol):
    with pytest.raises(TransitionError, match="“In progress”"):
        services.request_supply_info(req_id=sent.pk, actor=alice, comment="补充")
    services.request_ask_info(req_id=sent.pk, actor=bob, question="请补充材料")
    with pytest.raises(PermissionDenied):  # the commissioners may record it for the enterprise; a department not
        services.request_supply_info(req_id=sent.pk, actor=carol, comment="代企业补充")
    with pytest.raises(TransitionError, match="Write the information"):
        services.request_supply_info(req_id=sent.pk, actor=alice, comment="  ")
    assert fresh(sent).status == Status.INFO_NEEDED


def test_it_returns_to_the_commissioner_queue_when_the_lead_returned_the_task_while_waiting(sent, alice, carol):
    services.request_ask_info(req_id=sent.pk, actor=carol, question="请补充材料")
    services.dispatch_return(dispatch_id=lead_dispatch(sent).pk, actor=carol, reason="应由区住建局办理")
    services.request_supply_info(req_id=sent.pk, actor=alice, comment="材料已补充")
    req = fresh(sent)
    assert (req.status, req.lead_department) == (Status.SUBMITTED, None)


def test_it_resumes_a_returned_request_as_awaiting_dispatch(sent, alice, bob, carol):
    services.dispatch_return(dispatch_id=lead_dispatch(sent).pk, actor=carol, reason="应由区住建局办理")
    services.request_ask_info(req_id=sent.pk, actor=bob, question="请说明项目所在地块")
    services.request_supply_info(req_id=sent.pk, actor=alice, comment="地块位于奎文区")
    assert fresh(sent).status == Status.SUBMITTED


# ---------------------------------------------------------------------------------------------
# evaluate


def test_it_closes_on_satisfied(done, alice):
    services.request_evaluate(req_id=done.pk, actor=alice, verdict=Verdict.SATISFIED, comment="办事效率高")
    req = fresh(done)
    assert (req.status, req.close_reason, req.verdict, req.satisfaction_score) == (
        Status.CLOSED,
        CloseReason.EVALUATED,
        Verdict.SATISFIED,
        100,
    )
    assert req.closed_at is not None
    assert timeline(req)[-1] == ("evaluate", "answered", "closed", "alice")
    assert Evaluation.objects.get(request=req).round == 0
    assert notified("request_evaluate") == {"bob", "bert", "carol"}


def test_it_scores_basically_satisfied_80(done, alice):
    services.request_evaluate(req_id=done.pk, actor=alice, verdict=Verdict.BASICALLY)
    assert fresh(done).satisfaction_score == 80


def test_it_requires_a_reason_to_be_dissatisfied(done, alice):
    with pytest.raises(TransitionError, match="Say why you are not satisfied"):
        services.request_evaluate(req_id=done.pk, actor=alice, verdict=Verdict.DISSATISFIED, comment=" ")
    unchanged(done)
    assert not Evaluation.objects.exists()


def test_it_reopens_on_dissatisfied_and_closes_after_a_second_answer(alice, bob, bert, acme, hr_bureau, carol):
    with time_machine.travel(datetime(2025, 11, 10, 9, tzinfo=SHANGHAI), tick=False) as traveller:  # Monday
        req = answered(make_request(acme, alice), bob, hr_bureau, carol)
        reopened_at = datetime(2025, 11, 12, 14, tzinfo=SHANGHAI)
        traveller.move_to(reopened_at)
        services.request_evaluate(req_id=req.pk, actor=alice, verdict=Verdict.DISSATISFIED, comment="贷款仍未落实")
        req = fresh(req)
        assert (req.status, req.reopen_count, req.answered_at, req.answered_on_time, req.outcome) == (
            Status.IN_PROGRESS,
            1,
            None,
            None,
            "",
        )
        assert (
            req.answer_due_at == clock.add_working_days(reopened_at, 3) == datetime(2025, 11, 17, 14, tzinfo=SHANGHAI)
        )
        task = Dispatch.objects.get(request=req, role=Dispatch.Role.LEAD)
        assert (task.status, task.answered_at, task.answer_due_at) == (DispatchStatus.ACCEPTED, None, req.answer_due_at)
        assert timeline(req)[-1] == ("reopen", "answered", "in_progress", "alice")
        assert notified("request_reopen") == {"bob", "bert", "carol"}

        traveller.move_to(datetime(2025, 11, 13, 9, tzinfo=SHANGHAI))
        services.dispatch_answer(dispatch_id=task.pk, actor=carol, outcome=Outcome.RESOLVED, body="贷款已发放")
        services.request_evaluate(req_id=req.pk, actor=alice, verdict=Verdict.SATISFIED)

    req = fresh(req)
    assert (req.status, req.close_reason, req.reopen_count, req.answered_on_time) == (
        Status.CLOSED,
        CloseReason.EVALUATED,
        1,
        True,
    )
    assert list(req.evaluations.values_list("round", "verdict")) == [(0, Verdict.DISSATISFIED), (1, Verdict.SATISFIED)]
    assert [e[0] for e in timeline(req)] == ["submit", "dispatch", "answer", "reopen", "answer", "evaluate"]


def test_it_reopens_a_request_answered_directly_for_the_commissioner(req, alice, bob):
    req = taken_on_and_answered(req, bob)
    services.request_evaluate(req_id=req.pk, actor=alice, verdict=Verdict.DISSATISFIED, comment="没有解决")
    services.request_answer_directly(req_id=req.pk, actor=bob, outcome=Outcome.RESOLVED, body="已再次协调")
    assert fresh(req).status == Status.ANSWERED


def test_it_refuses_to_evaluate_a_closed_request(done, alice):
    services.request_evaluate(req_id=done.pk, actor=alice, verdict=Verdict.SATISFIED)
    before = fresh(done)
    with pytest.raises(TransitionError) as info:
        services.request_evaluate(req_id=done.pk, actor=alice, verdict=Verdict.DISSATISFIED, comment="改主意了")
    assert "“Closed”" in message_of(info.value) and "already" in message_of(info.value)
    unchanged(before)
    assert Evaluation.objects.count() == 1


def test_it_refuses_to_evaluate_before_the_answer(sent, alice):
    with pytest.raises(TransitionError, match="“In progress”"):
        services.request_evaluate(req_id=sent.pk, actor=alice, verdict=Verdict.SATISFIED)
    unchanged(sent)


def test_it_refuses_an_evaluation_by_anyone_but_the_enterprise(done, bob, carol, dave):
    for who in (bob, carol, dave):
        with pytest.raises(PermissionDenied):
            services.request_evaluate(req_id=done.pk, actor=who, verdict=Verdict.SATISFIED)
    unchanged(done)


def test_it_refuses_an_unknown_verdict(done, alice):
    with pytest.raises(TransitionError, match="Choose satisfied"):
        services.request_evaluate(req_id=done.pk, actor=alice, verdict="great")
    unchanged(done)


def test_it_takes_an_unanswered_co_task_out_of_the_queue_when_the_request_closes(
    sent, alice, carol, chris, housing_bureau, hr_bureau, bob
):
    answered(sent, bob, hr_bureau, carol)
    services.request_evaluate(req_id=sent.pk, actor=alice, verdict=Verdict.SATISFIED)
    task = co_dispatch(sent, housing_bureau)
    assert task.status == DispatchStatus.CANCELLED
    with pytest.raises(TransitionError, match="no longer possible"):
        services.dispatch_answer(dispatch_id=task.pk, actor=chris, body="迟到的意见")
    assert fresh(sent).status == Status.CLOSED


# ---------------------------------------------------------------------------------------------
# reassign


def test_it_reassigns_within_the_pairing(req, bob, bert):
    services.request_reassign(req_id=req.pk, actor=bob, commissioner=bert, comment="我出差一周")
    assert fresh(req).commissioner == bert
    assert timeline(req)[-1] == ("reassign", "submitted", "submitted", "bob")
    assert notified("request_reassigned") == {"bert"}


def test_it_refuses_to_reassign_to_an_unpaired_commissioner(req, bob, carl):
    with pytest.raises(TransitionError, match="not paired"):
        services.request_reassign(req_id=req.pk, actor=bob, commissioner=carl)
    unchanged(req)


def test_it_refuses_to_reassign_to_the_one_already_responsible(req, bert, bob):
    with pytest.raises(TransitionError, match="already responsible"):
        services.request_reassign(req_id=req.pk, actor=bert, commissioner=bob)


def test_it_lets_the_district_supervisor_reassign_but_not_carl_or_a_sibling_district(req, bert, carl, dora, dan):
    for outsider in (carl, dan):
        with pytest.raises(PermissionDenied):
            services.request_reassign(req_id=req.pk, actor=outsider, commissioner=bert)
    services.request_reassign(req_id=req.pk, actor=dora, commissioner=bert)
    assert fresh(req).commissioner == bert


def test_it_refuses_to_reassign_a_closed_request(done, alice, bob, bert):
    services.request_evaluate(req_id=done.pk, actor=alice, verdict=Verdict.SATISFIED)
    with pytest.raises(TransitionError, match="“Closed”"):
        services.request_reassign(req_id=done.pk, actor=bob, commissioner=bert)


# ---------------------------------------------------------------------------------------------
# return a misrouted task


def test_it_returns_the_lead_task_without_restarting_the_assign_clock(sent, carol, bob, housing_bureau):
    before = fresh(sent)
    services.dispatch_return(dispatch_id=lead_dispatch(sent).pk, actor=carol, reason="属区级事权，应由区住建局办理")
    req = fresh(sent)
    assert (req.status, req.lead_department) == (Status.SUBMITTED, None)
    assert (req.assigned_at, req.assigned_on_time, req.assign_due_at) == (
        before.assigned_at,
        before.assigned_on_time,
        before.assign_due_at,
    )
    task = Dispatch.objects.get(request=req, role=Dispatch.Role.LEAD)
    assert (task.status, task.return_reason) == (DispatchStatus.RETURNED, "属区级事权，应由区住建局办理")
    assert timeline(req)[-1] == ("return", "in_progress", "submitted", "carol")
    returned = Notification.objects.filter(kind="dispatch_returned")
    assert {n.user.username for n in returned} == {"bob", "bert"} and all(n.urgent for n in returned)

    req = dispatched(req, bob, housing_bureau)
    assert (req.status, req.lead_department, req.assigned_at) == (
        Status.IN_PROGRESS,
        housing_bureau,
        before.assigned_at,
    )
    assert lead_dispatch(req).department == housing_bureau


def test_it_keeps_the_request_in_progress_when_a_co_handler_returns(sent, chris, housing_bureau, hr_bureau):
    services.dispatch_return(dispatch_id=co_dispatch(sent, housing_bureau).pk, actor=chris, reason="与我局无关")
    req = fresh(sent)
    assert (req.status, req.lead_department) == (Status.IN_PROGRESS, hr_bureau)


def test_it_requires_a_reason_to_return_a_task(sent, carol):
    task = lead_dispatch(sent)
    with pytest.raises(TransitionError, match="Say why the task is returned"):
        services.dispatch_return(dispatch_id=task.pk, actor=carol, reason="")
    assert fresh(task).status == DispatchStatus.PENDING
    unchanged(sent)


def test_it_refuses_a_return_by_another_department(sent, chris):
    with pytest.raises(PermissionDenied):
        services.dispatch_return(dispatch_id=lead_dispatch(sent).pk, actor=chris, reason="不是我们的")


# ---------------------------------------------------------------------------------------------
# extensions


def ask_extension(req, carol, days: int = 5) -> Extension:
    req = fresh(req)
    return services.extension_request(
        dispatch_id=lead_dispatch(req).pk,
        actor=carol,
        reason="需要市里协调银行",
        requested_due_at=req.answer_due_at + timedelta(days=days),
    )


def test_it_asks_the_supervisors_of_the_region_for_an_extension(sent, carol, dave, dora, dan):
    extension = ask_extension(sent, carol)
    assert (extension.status, extension.previous_due_at) == (ExtensionStatus.PENDING, sent.answer_due_at)
    assert timeline(sent)[-1] == ("extension_request", "in_progress", "in_progress", "carol")
    assert notified("extension_requested") == {"dave", "dora"}


def test_it_approves_an_extension_and_keeps_the_original_deadline(sent, carol, dora):
    extension = ask_extension(sent, carol)
    services.extension_decide(extension_id=extension.pk, actor=dora, approve=True)
    req = fresh(sent)
    assert req.answer_due_at == extension.requested_due_at
    assert req.original_answer_due_at == sent.answer_due_at
    assert all(d.answer_due_at == extension.requested_due_at for d in req.dispatches.all())
    assert fresh(extension).status == ExtensionStatus.APPROVED and fresh(extension).decided_by == dora
    assert timeline(req)[-1] == ("extension_approved", "in_progress", "in_progress", "dora")
    audit = AuditEvent.objects.get(action=AuditEvent.Action.EXTENSION)
    assert (audit.actor, audit.target, audit.detail["approved"]) == (dora, f"request {req.pk}", True)
    assert notified("extension_decided") == {"carol", "bob", "bert"}
    with pytest.raises(TransitionError, match="already been decided"):
        services.extension_decide(extension_id=extension.pk, actor=dora, approve=False, comment="撤销")


def test_it_needs_a_reason_to_reject_an_extension(sent, carol, dave):
    extension = ask_extension(sent, carol)
    with pytest.raises(TransitionError, match="reason for rejecting"):
        services.extension_decide(extension_id=extension.pk, actor=dave, approve=False)
    assert fresh(extension).status == ExtensionStatus.PENDING
    services.extension_decide(extension_id=extension.pk, actor=dave, approve=False, comment="3日内可办结")
    assert fresh(sent).answer_due_at == sent.answer_due_at
    assert fresh(extension).status == ExtensionStatus.REJECTED
    assert AuditEvent.objects.get(action=AuditEvent.Action.EXTENSION).detail["approved"] is False


def test_it_lets_only_a_supervisor_of_the_region_decide(sent, carol, dan, bob, alice):
    extension = ask_extension(sent, carol)
    before = fresh(sent)
    for outsider in (dan, bob, carol, alice):
        with pytest.raises(PermissionDenied):
            services.extension_decide(extension_id=extension.pk, actor=outsider, approve=True)
    assert fresh(extension).status == ExtensionStatus.PENDING
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXTENSION).exists()
    unchanged(before)


def test_it_refuses_extensions_that_are_not_later_too_long_twice_or_from_a_co_handler(
    sent, carol, chris, housing_bureau
):
    task = lead_dispatch(sent)
    with pytest.raises(TransitionError, match="must be later"):
        services.extension_request(
            dispatch_id=task.pk, actor=carol, reason="需要时间", requested_due_at=sent.answer_due_at
        )
    with pytest.raises(TransitionError, match="90 days"):
        services.extension_request(
            dispatch_id=task.pk,
            actor=carol,
            reason="需要时间",
            requested_due_at=sent.answer_due_at + timedelta(days=91),
        )
    with pytest.raises(TransitionError, match="Give the reason"):
        services.extension_request(
            dispatch_id=task.pk, actor=carol, reason="", requested_due_at=sent.answer_due_at + timedelta(days=1)
        )
    with pytest.raises(TransitionError, match="Only the lead"):
        services.extension_request(
            dispatch_id=co_dispatch(sent, housing_bureau).pk,
            actor=chris,
            reason="需要时间",
            requested_due_at=sent.answer_due_at + timedelta(days=1),
        )
    ask_extension(sent, carol)
    with pytest.raises(TransitionError, match="already waiting"):
        ask_extension(sent, carol, days=6)
    assert Extension.objects.count() == 1


def test_it_refuses_to_decide_an_extension_once_the_task_is_answered(sent, carol, dora):
    extension = ask_extension(sent, carol)
    co_opinion_deadline_passes(sent)
    services.dispatch_answer(dispatch_id=lead_dispatch(sent).pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决")
    before = fresh(sent)
    with pytest.raises(TransitionError, match="no longer needed"):
        services.extension_decide(extension_id=extension.pk, actor=dora, approve=True)
    unchanged(before)
    assert fresh(extension).status == ExtensionStatus.PENDING


def test_it_counts_an_answer_on_time_against_the_approved_extension(alice, bob, acme, hr_bureau, carol, dora):
    with time_machine.travel(datetime(2025, 11, 10, 9, tzinfo=SHANGHAI), tick=False) as traveller:
        req = dispatched(make_request(acme, alice), bob, hr_bureau)
        extension = ask_extension(req, carol, days=7)
        services.extension_decide(extension_id=extension.pk, actor=dora, approve=True)
        traveller.move_to(fresh(req).original_answer_due_at + timedelta(days=1))
        services.dispatch_answer(
            dispatch_id=lead_dispatch(req).pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决"
        )
    assert fresh(req).answered_on_time is True


# ---------------------------------------------------------------------------------------------
# stale forms and the whole timeline


def test_it_refuses_a_stale_version_and_changes_nothing(req, bob, bert, hr_bureau):
    loaded = req.version
    services.request_reassign(req_id=req.pk, actor=bob, commissioner=bert)
    before = fresh(req)
    with pytest.raises(StaleError, match="Someone else has just handled"):
        services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau, expected_version=loaded)
    unchanged(before)
    assert not Dispatch.objects.exists()
    assert not Notification.objects.filter(kind="dispatch_received").exists()
    services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau, expected_version=before.version)
    assert fresh(req).version == before.version + 1


def test_it_refuses_a_stale_task_version(sent, carol):
    task = lead_dispatch(sent)
    services.dispatch_accept(dispatch_id=task.pk, actor=carol, expected_version=task.version)
    with pytest.raises(StaleError):
        services.dispatch_answer(
            dispatch_id=task.pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决", expected_version=task.version
        )
    assert fresh(task).status == DispatchStatus.ACCEPTED


def test_it_records_every_transition_with_actor_and_states(
    req, alice, bob, bert, carol, chris, dora, hr_bureau, housing_bureau
):
    dispatched(req, bob, hr_bureau, co=[housing_bureau])
    task = lead_dispatch(req)
    services.dispatch_accept(dispatch_id=task.pk, actor=carol)
    services.dispatch_answer(dispatch_id=co_dispatch(req, housing_bureau).pk, actor=chris, body="配合办理")
    services.request_ask_info(req_id=req.pk, actor=carol, question="请补充材料")
    services.request_supply_info(req_id=req.pk, actor=alice, comment="已补充")
    extension = ask_extension(req, carol)
    services.extension_decide(extension_id=extension.pk, actor=dora, approve=True)
    services.request_reassign(req_id=req.pk, actor=bob, commissioner=bert)
    services.dispatch_answer(dispatch_id=task.pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决")
    services.request_evaluate(req_id=req.pk, actor=alice, verdict=Verdict.SATISFIED)
    assert timeline(req) == [
        ("submit", "", "submitted", "alice"),
        ("dispatch", "submitted", "in_progress", "bob"),
        ("accept", "in_progress", "in_progress", "carol"),
        ("opinion", "in_progress", "in_progress", "chris"),
        ("ask_info", "in_progress", "info_needed", "carol"),
        ("supply_info", "info_needed", "in_progress", "alice"),
        ("extension_request", "in_progress", "in_progress", "carol"),
        ("extension_approved", "in_progress", "in_progress", "dora"),
        ("reassign", "in_progress", "in_progress", "bob"),
        ("answer", "in_progress", "answered", "carol"),
        ("evaluate", "answered", "closed", "alice"),
    ]
    assert fresh(req).version == 1 + 10
    event = req.events.first()
    with pytest.raises(ValueError, match="immutable"):
        event.save()


def test_it_reports_a_missing_request_clearly(bob, hr_bureau, db):
    with pytest.raises(TransitionError, match="does not exist"):
        services.request_take_on(req_id=999_999, actor=bob)
    with pytest.raises(TransitionError, match="does not exist"):
        services.dispatch_accept(dispatch_id=999_999, actor=bob)


# ---------------------------------------------------------------------------------------------
# notifications


def test_it_notifies_each_active_person_once(bob, bert, alice):
    bert.is_active = False
    bert.save()
    created = notify(users=[bob, bob, bert, None, alice], kind="test", title="标题" * 150, url="/x/")
    assert [n.user for n in created] == [bob, alice]
    assert len(created[0].title) == 200
    assert Notification.objects.count() == 2


def test_it_notifies_once_per_dedupe_key(bob):
    notify(users=[bob], kind="reminder", title="即将超期", dedupe_key="r:1")
    notify(users=[bob], kind="reminder", title="即将超期", dedupe_key="r:1")
    assert Notification.objects.filter(user=bob).count() == 1


def test_it_does_not_notify_inside_a_refused_transition(sent, carl):
    count = Notification.objects.count()
    with pytest.raises(PermissionDenied):
        services.request_ask_info(req_id=sent.pk, actor=carl, question="?")
    assert Notification.objects.count() == count


# ---------------------------------------------------------------------------------------------
# the lead waits for the co-handlers' opinions


def test_it_makes_the_lead_wait_for_the_co_handlers_opinion(alice, bob, acme, hr_bureau, housing_bureau, carol, chris):
    with time_machine.travel(datetime(2025, 11, 10, 9, tzinfo=SHANGHAI), tick=False) as traveller:
        req = dispatched(make_request(acme, alice), bob, hr_bureau, co=[housing_bureau])
        co = co_dispatch(req, housing_bureau)
        # two working days after the dispatch, by the policy's default
        assert co.opinion_due_at == datetime(2025, 11, 12, 9, tzinfo=SHANGHAI)
        assert fresh(req).co_opinion_due_at == co.opinion_due_at
        lead = lead_dispatch(req)
        with pytest.raises(TransitionError, match="not all given their opinion"):
            services.dispatch_answer(dispatch_id=lead.pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决")
        traveller.move_to(datetime(2025, 11, 11, 9, tzinfo=SHANGHAI))
        services.dispatch_answer(dispatch_id=co.pk, actor=chris, body="同意主办意见")
        assert fresh(req).co_opinion_due_at is None
        services.dispatch_answer(dispatch_id=lead.pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决")
    assert fresh(req).status == Status.ANSWERED


def test_it_lets_the_lead_answer_once_the_co_handling_deadline_passed(
    alice, bob, acme, hr_bureau, housing_bureau, carol
):
    with time_machine.travel(datetime(2025, 11, 10, 9, tzinfo=SHANGHAI), tick=False) as traveller:
        req = dispatched(make_request(acme, alice), bob, hr_bureau, co=[housing_bureau])
        traveller.move_to(datetime(2025, 11, 12, 9, 1, tzinfo=SHANGHAI))
        lead = lead_dispatch(req)
        services.dispatch_answer(dispatch_id=lead.pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决")
    assert fresh(req).status == Status.ANSWERED
    assert co_dispatch(req, housing_bureau).status == DispatchStatus.PENDING  # still open for its opinion


def test_it_reads_the_co_handling_days_from_the_policy(alice, bob, acme, hr_bureau, housing_bureau):
    SlaPolicy.objects.update_or_create(region=acme.region, defaults={"co_opinion_days": 1})
    with time_machine.travel(datetime(2025, 11, 14, 9, tzinfo=SHANGHAI), tick=False):  # a Friday
        req = dispatched(make_request(acme, alice), bob, hr_bureau, co=[housing_bureau])
    assert co_dispatch(req, housing_bureau).opinion_due_at == datetime(2025, 11, 17, 9, tzinfo=SHANGHAI)
