"""The reminder sweep, driven by a frozen clock across the 2025 National Day holiday.

acme's request is submitted on Tuesday 30 September 2025 at 16:00. 1 October to 8 October is the
holiday, Saturday 11 October a make-up working day, so with the default 1/3 working days and a lead
time of 4 working hours: dispatch reminder 9 Oct 12:00, dispatch deadline 9 Oct 16:00, answer
reminder 11 Oct 12:00, answer deadline 11 Oct 16:00.
"""

from datetime import date, datetime, timedelta

import pytest
import time_machine

from issues import reminders, services
from issues.clock import SHANGHAI
from issues.models import Card, CardKind, Category, Reminder, ReminderKind, Request, RequestEvent, Status, SweepRun
from portal.notifications.models import Notification
from portal.orgs.models import Pairing

K = ReminderKind


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


SUBMITTED = at(2025, 9, 30, 16)


@pytest.fixture(autouse=True)
def _pairings_since_2020(bob, bert):
    Pairing.objects.update(starts_on=date(2020, 1, 1))


@pytest.fixture
def people(alice, bob, bert, carol, dave, dora, dan, chris):
    return {
        "alice": alice,
        "bob": bob,
        "bert": bert,
        "carol": carol,
        "dave": dave,
        "dora": dora,
        "dan": dan,
        "chris": chris,
    }


def submit(alice, acme, when=SUBMITTED) -> Request:
    with time_machine.travel(when, tick=False):
        return services.request_submit(
            actor=alice,
            enterprise=acme,
            category=Category.objects.get(code="finance"),
            title="流动资金贷款额度不足",
            description="需要增加贷款额度。",
        )


def sweep_at(*args):
    with time_machine.travel(at(*args), tick=False):
        return reminders.sweep()


def reminded(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=f"reminder_{kind}").values_list("user__username", flat=True))


def fresh(req: Request) -> Request:
    return Request.objects.get(pk=req.pk)


@pytest.fixture
def req(people, acme):
    return submit(people["alice"], acme)


def test_it_stores_when_each_stage_falls_due_across_national_day(req):
    assert req.assign_due_at == at(2025, 10, 9, 16)
    assert req.assign_remind_at == at(2025, 10, 9, 12)
    assert req.answer_due_at == at(2025, 10, 11, 16)
    assert req.answer_remind_at == at(2025, 10, 11, 12)
    assert req.evaluate_remind_at is None


def test_it_sends_nothing_during_the_holiday(req):
    run = sweep_at(2025, 10, 8, 23, 59)
    assert not Reminder.objects.exists()
    assert run.counts == {kind: 0 for kind in K.values}


def test_it_reminds_a_and_b_commissioners_when_dispatch_is_near(req):
    sweep_at(2025, 10, 9, 12)
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.round, reminder.late) == (K.ASSIGN_NEAR, 0, False)
    assert reminder.due_at == at(2025, 10, 9, 12)
    assert reminded(K.ASSIGN_NEAR) == {"bob", "bert"}
    assert Notification.objects.get(user__username="bob", kind="reminder_assign_near").url == f"/requests/{req.pk}/"


def test_it_gives_the_commissioners_unit_a_yellow_card_when_dispatch_is_missed(req, commerce_bureau):
    sweep_at(2025, 10, 9, 16, 5)
    card = Card.objects.get()
    assert (card.kind, card.unit, card.region_id, card.round) == (CardKind.YELLOW, commerce_bureau, req.region_id, 0)
    # Kuiwen's supervisor and the city's, not Fangzi's
    assert reminded(K.ASSIGN_MISSED) == {"bob", "bert", "dora", "dave"}
    assert RequestEvent.objects.filter(request=req, action="yellow_card").count() == 1


def test_it_reminds_the_lead_department_and_commissioners_when_the_answer_is_near(req, people, hr_bureau):
    with time_machine.travel(at(2025, 10, 9, 10), tick=False):
        services.request_dispatch(req_id=req.pk, actor=people["bob"], lead=hr_bureau)
    sweep_at(2025, 10, 11, 12)
    assert set(Reminder.objects.values_list("kind", flat=True)) == {K.ANSWER_NEAR}
    assert reminded(K.ANSWER_NEAR) == {"carol", "bob", "bert"}
    assert not Card.objects.exists()


def test_it_gives_the_lead_department_a_red_card_when_the_answer_is_missed(req, people, hr_bureau):
    with time_machine.travel(at(2025, 10, 9, 10), tick=False):
        services.request_dispatch(req_id=req.pk, actor=people["bob"], lead=hr_bureau)
    sweep_at(2025, 10, 11, 12)
    sweep_at(2025, 10, 11, 16, 5)
    card = Card.objects.get()
    assert (card.kind, card.unit) == (CardKind.RED, hr_bureau)
    assert reminded(K.ANSWER_MISSED) == {"carol", "bob", "bert", "dora", "dave"}
    assert Notification.objects.filter(kind="reminder_answer_missed", urgent=True).count() == 5


def test_a_request_handled_directly_gets_its_red_card_on_the_commissioners_unit(req, people, commerce_bureau):
    with time_machine.travel(at(2025, 10, 9, 10), tick=False):
        services.request_take_on(req_id=req.pk, actor=people["bob"])
    sweep_at(2025, 10, 13, 9)
    card = Card.objects.get()
    assert (card.kind, card.unit) == (CardKind.RED, commerce_bureau)


def test_it_asks_the_enterprise_to_evaluate_two_working_days_after_the_answer(req, people):
    with time_machine.travel(at(2025, 10, 10, 10), tick=False):
        services.request_take_on(req_id=req.pk, actor=people["bob"])
        services.request_answer_directly(req_id=req.pk, actor=people["bob"], outcome="resolved", body="已解决。")
    assert fresh(req).evaluate_remind_at == at(2025, 10, 13, 10)  # Saturday 11 Oct is a working day
    sweep_at(2025, 10, 13, 9, 59)
    assert not reminded(K.EVALUATE)
    sweep_at(2025, 10, 13, 10)
    assert reminded(K.EVALUATE) == {"alice"}


def test_it_sends_each_stage_once_however_often_it_runs(req):
    for _ in range(3):
        sweep_at(2025, 10, 9, 16, 5)
    assert Reminder.objects.filter(kind=K.ASSIGN_NEAR).count() == 1
    assert Reminder.objects.filter(kind=K.ASSIGN_MISSED).count() == 1
    assert Card.objects.count() == 1
    assert Notification.objects.filter(user__username="bob", kind="reminder_assign_missed").count() == 1
    assert Notification.objects.filter(user__username="dora", kind__startswith="reminder").count() == 1
    assert SweepRun.objects.count() == 3


def test_it_catches_up_after_an_outage_once_and_late(req):
    run = sweep_at(2025, 10, 20, 9)
    rows = {r.kind: r for r in Reminder.objects.all()}
    assert set(rows) == {K.ASSIGN_NEAR, K.ASSIGN_MISSED, K.ANSWER_NEAR, K.ANSWER_MISSED}
    assert all(r.late for r in rows.values())
    assert run.counts[K.ASSIGN_MISSED] == 1 and run.late == 4
    assert set(Card.objects.values_list("kind", flat=True)) == {CardKind.YELLOW, CardKind.RED}
    # the "near" stages are past their deadline: recorded once, but the "missed" messages say it all
    assert not reminded(K.ASSIGN_NEAR) and not reminded(K.ANSWER_NEAR)
    assert reminded(K.ASSIGN_MISSED) == {"bob", "bert", "dora", "dave"}
    sweep_at(2025, 10, 20, 9, 5)
    assert Reminder.objects.count() == 4 and Card.objects.count() == 2


def test_a_request_that_moved_on_is_not_reminded(req, people, hr_bureau):
    sweep_at(2025, 10, 9, 12)
    with time_machine.travel(at(2025, 10, 9, 13), tick=False):
        services.request_dispatch(req_id=req.pk, actor=people["bob"], lead=hr_bureau)
    sweep_at(2025, 10, 9, 16, 5)
    assert not Reminder.objects.filter(kind=K.ASSIGN_MISSED).exists()
    assert not Card.objects.exists()


def test_a_stage_rechecks_the_request_under_its_lock(req, people, hr_bureau):
    with time_machine.travel(at(2025, 10, 9, 13), tick=False):
        services.request_dispatch(req_id=req.pk, actor=people["bob"], lead=hr_bureau)
    outcome = reminders.reminder_send(req_id=req.pk, kind=K.ASSIGN_MISSED, now=at(2025, 10, 9, 17))
    assert outcome == "moved_on"
    assert not Reminder.objects.exists()


def test_a_withdrawn_request_is_not_reminded(req, people):
    services.request_withdraw(req_id=req.pk, actor=people["alice"], reason="已自行解决")
    sweep_at(2025, 10, 20, 9)
    assert not Reminder.objects.exists()


def test_waiting_for_information_pauses_the_answer_reminders(req, people):
    with time_machine.travel(at(2025, 10, 9, 10), tick=False):
        services.request_take_on(req_id=req.pk, actor=people["bob"])
        services.request_ask_info(req_id=req.pk, actor=people["bob"], question="请提供财务报表。")
    sweep_at(2025, 10, 11, 17)
    assert not Reminder.objects.filter(kind__startswith="answer").exists()
    with time_machine.travel(at(2025, 10, 13, 10), tick=False):  # Thu, Fri, Sat (make-up day): 3 working days
        services.request_supply_info(req_id=req.pk, actor=people["alice"], comment="已上传。")
    req = fresh(req)
    assert req.answer_due_at == at(2025, 10, 15, 16)
    assert req.answer_remind_at == at(2025, 10, 15, 12)


def test_a_reopened_request_gets_fresh_answer_reminders(req, people):
    with time_machine.travel(at(2025, 10, 9, 10), tick=False):
        services.request_take_on(req_id=req.pk, actor=people["bob"])
    sweep_at(2025, 10, 11, 12)
    with time_machine.travel(at(2025, 10, 11, 13), tick=False):
        services.request_answer_directly(req_id=req.pk, actor=people["bob"], outcome="resolved", body="已解决。")
        services.request_evaluate(req_id=req.pk, actor=people["alice"], verdict="dissatisfied", comment="没有解决")
    req = fresh(req)
    assert (req.reopen_count, req.status) == (1, Status.IN_PROGRESS)
    assert req.answer_remind_at == at(2025, 10, 15, 9)  # 3 working days minus 4 hours
    sweep_at(2025, 10, 15, 9)
    assert list(Reminder.objects.filter(kind=K.ANSWER_NEAR).values_list("round", flat=True).order_by("round")) == [0, 1]


def test_due_counts_show_what_is_waiting(req):
    assert reminders.due_counts(at(2025, 10, 9, 16, 5))[K.ASSIGN_MISSED] == 1
    sweep_at(2025, 10, 9, 16, 5)
    assert reminders.due_counts(at(2025, 10, 9, 16, 5))[K.ASSIGN_MISSED] == 0


def test_the_sweep_task_accepts_an_iso_moment(req):
    from issues.tasks import sweep_reminders

    counts = sweep_reminders.delay(at(2025, 10, 9, 12).isoformat()).get()
    assert counts[K.ASSIGN_NEAR] == 1


def test_the_sweep_works_through_batches(people, acme):
    reqs = [submit(people["alice"], acme) for _ in range(5)]
    run = None
    with time_machine.travel(at(2025, 10, 9, 12), tick=False):
        run = reminders.sweep(batch_size=2)
    assert run.counts[K.ASSIGN_NEAR] == 5
    assert Reminder.objects.filter(request__in=reqs).count() == 5


def test_the_sweep_keeps_the_people_of_one_batch_at_a_time(people, acme, kuiwen, monkeypatch):
    """A sweep after an outage goes through tens of thousands of requests: what the directory keeps is
    the people of the batch at hand, not of every request swept so far."""
    from portal.orgs import factories as f

    filers = [(people["alice"], acme)]
    for _ in range(3):
        other, filer = f.EnterpriseFactory(region=kuiwen), f.UserFactory(is_enterprise_user=True)
        f.pair(other, people["bob"])
        f.member(filer, other)
        filers.append((filer, other))
    Pairing.objects.update(starts_on=date(2020, 1, 1))
    for filer, enterprise in filers:
        submit(filer, enterprise)
    kept = []
    preload = reminders.Directory.preload

    def spy(directory, ids):
        preload(directory, ids)
        kept.append((len(ids), len(directory._paired), len(directory._members)))

    monkeypatch.setattr(reminders.Directory, "preload", spy)
    with time_machine.travel(at(2025, 10, 9, 12), tick=False):
        run = reminders.sweep(batch_size=1)
    assert run.counts[K.ASSIGN_NEAR] == 4
    assert kept and all(entry == (1, 1, 1) for entry in kept)
    assert notified(K.ASSIGN_NEAR, "bob") == 4


# ---------------------------------------------------------------------------------------------
# a deadline that moves within a round: each deadline is reminded once


def dispatched(req, people, hr_bureau) -> Request:
    with time_machine.travel(at(2025, 10, 9, 10), tick=False):
        services.request_dispatch(req_id=req.pk, actor=people["bob"], lead=hr_bureau)
    return fresh(req)


def extend(req, people, new_due: datetime, when: datetime) -> Request:
    with time_machine.travel(when, tick=False):
        extension = services.extension_request(
            dispatch_id=req.dispatches.get().pk,
            actor=people["carol"],
            reason="需要市里协调银行",
            requested_due_at=new_due,
        )
        services.extension_decide(extension_id=extension.pk, actor=people["dora"], approve=True)
    return fresh(req)


def pause(req, people, asked: datetime, supplied: datetime, asker: str = "bob") -> Request:
    with time_machine.travel(asked, tick=False):
        services.request_ask_info(req_id=req.pk, actor=people[asker], question="请提供财务报表。")
    with time_machine.travel(supplied, tick=False):
        services.request_supply_info(req_id=req.pk, actor=people["alice"], comment="已上传。")
    return fresh(req)


def notified(kind: str, username: str) -> int:
    return Notification.objects.filter(kind=f"reminder_{kind}", user__username=username).count()


def sweep_thrice_at(moment: datetime) -> None:
    for _ in range(3):
        with time_machine.travel(moment, tick=False):
            reminders.sweep()


def test_an_approved_extension_gets_its_own_answer_reminder_once(req, people, hr_bureau):
    req = dispatched(req, people, hr_bureau)
    sweep_at(2025, 10, 11, 12)
    assert reminded(K.ANSWER_NEAR) == {"carol", "bob", "bert"}
    req = extend(req, people, at(2025, 10, 17, 16), when=at(2025, 10, 11, 13))
    assert req.answer_remind_at == at(2025, 10, 17, 12)  # recomputed by the approval
    sweep_thrice_at(at(2025, 10, 11, 16, 5))  # the old deadline is no longer missed
    assert not Reminder.objects.filter(kind=K.ANSWER_MISSED).exists()
    sweep_thrice_at(at(2025, 10, 17, 11, 59))
    assert Reminder.objects.filter(kind=K.ANSWER_NEAR).count() == 1
    sweep_thrice_at(at(2025, 10, 17, 12))
    rows = list(Reminder.objects.filter(kind=K.ANSWER_NEAR).order_by("due_at").values_list("due_at", "late"))
    assert rows == [(at(2025, 10, 11, 12), False), (at(2025, 10, 17, 12), False)]
    assert all(notified(K.ANSWER_NEAR, name) == 2 for name in ("carol", "bob", "bert"))
    assert "2025-10-17 16:00" in Notification.objects.filter(kind="reminder_answer_near").latest("pk").title
    assert reminders.due_counts(at(2025, 10, 17, 12))[K.ANSWER_NEAR] == 0
    # the new deadline, missed: once, with one red card
    sweep_thrice_at(at(2025, 10, 17, 16, 5))
    assert Reminder.objects.get(kind=K.ANSWER_MISSED).due_at == at(2025, 10, 17, 16)
    assert Card.objects.get().kind == CardKind.RED
    assert all(notified(K.ANSWER_MISSED, name) == 1 for name in ("carol", "bob", "bert", "dora", "dave"))


def test_a_deadline_missed_again_after_an_extension_is_reminded_without_a_second_card(req, people, hr_bureau):
    req = dispatched(req, people, hr_bureau)
    sweep_at(2025, 10, 11, 12)
    sweep_at(2025, 10, 11, 16, 5)
    card = Card.objects.get()
    req = extend(req, people, at(2025, 10, 17, 16), when=at(2025, 10, 13, 9))
    sweep_thrice_at(at(2025, 10, 17, 16, 5))  # an outage through the new reminder moment: late
    rows = Reminder.objects.filter(kind__in=[K.ANSWER_NEAR, K.ANSWER_MISSED])
    assert sorted(rows.values_list("kind", "due_at")) == [
        (K.ANSWER_MISSED, at(2025, 10, 11, 16)),
        (K.ANSWER_MISSED, at(2025, 10, 17, 16)),
        (K.ANSWER_NEAR, at(2025, 10, 11, 12)),
        (K.ANSWER_NEAR, at(2025, 10, 17, 12)),
    ]
    assert list(Card.objects.all()) == [card]  # one red card per round
    assert RequestEvent.objects.filter(request=req, action="red_card").count() == 1
    assert all(notified(K.ANSWER_MISSED, name) == 2 for name in ("carol", "bob", "bert", "dora", "dave"))
    latest = Notification.objects.filter(kind="reminder_answer_missed", user__username="dora").latest("pk")
    assert hr_bureau.name in latest.title and "2025-10-17 16:00" in latest.title


def test_a_pause_before_dispatch_gets_fresh_dispatch_reminders_once(req, people, commerce_bureau):
    sweep_at(2025, 10, 9, 12)
    assert reminded(K.ASSIGN_NEAR) == {"bob", "bert"}
    req = pause(req, people, asked=at(2025, 10, 9, 13), supplied=at(2025, 10, 10, 13))  # one working day
    assert req.status == Status.SUBMITTED
    assert (req.assign_due_at, req.assign_remind_at) == (at(2025, 10, 10, 16), at(2025, 10, 10, 12))
    assert (req.answer_due_at, req.answer_remind_at) == (at(2025, 10, 13, 16), at(2025, 10, 13, 12))
    # the clock resumed inside the lead time (the reminder moment moved by the pause, like the deadline)
    sweep_thrice_at(at(2025, 10, 10, 13, 5))
    rows = list(Reminder.objects.filter(kind=K.ASSIGN_NEAR).order_by("due_at").values_list("due_at", "late"))
    assert rows == [(at(2025, 10, 9, 12), False), (at(2025, 10, 10, 12), True)]
    assert notified(K.ASSIGN_NEAR, "bob") == 2 and notified(K.ASSIGN_NEAR, "bert") == 2
    sweep_thrice_at(at(2025, 10, 10, 16, 5))
    assert Reminder.objects.get(kind=K.ASSIGN_MISSED).due_at == at(2025, 10, 10, 16)
    assert Card.objects.get().kind == CardKind.YELLOW
    assert notified(K.ASSIGN_MISSED, "bob") == 1


def test_a_pause_while_answering_gets_a_fresh_answer_reminder_once(req, people, hr_bureau):
    req = dispatched(req, people, hr_bureau)
    sweep_at(2025, 10, 11, 12)
    req = pause(req, people, asked=at(2025, 10, 11, 13), supplied=at(2025, 10, 13, 10), asker="carol")
    # 11 working hours on Saturday (a make-up day), none on Sunday, 10 on Monday
    assert (req.answer_due_at, req.answer_remind_at) == (at(2025, 10, 13, 13), at(2025, 10, 13, 9))
    sweep_thrice_at(at(2025, 10, 13, 10, 5))
    assert Reminder.objects.filter(kind=K.ANSWER_NEAR).count() == 2
    assert all(notified(K.ANSWER_NEAR, name) == 2 for name in ("carol", "bob", "bert"))
    assert "2025-10-13 13:00" in Notification.objects.filter(kind="reminder_answer_near").latest("pk").title
    sweep_thrice_at(at(2025, 10, 13, 13, 5))
    assert Reminder.objects.filter(kind=K.ANSWER_MISSED).count() == 1
    assert Card.objects.count() == 1


def test_a_pause_that_takes_no_working_time_reminds_nobody_again(req, people, hr_bureau):
    req = dispatched(req, people, hr_bureau)
    req = extend(req, people, at(2025, 10, 20, 2), when=at(2025, 10, 11, 10))  # Monday 02:00
    assert req.answer_remind_at == at(2025, 10, 17, 22)  # Saturday and Sunday do not count
    sweep_at(2025, 10, 17, 22)
    req = pause(req, people, asked=at(2025, 10, 18, 10), supplied=at(2025, 10, 19, 10), asker="carol")
    assert req.answer_due_at == at(2025, 10, 20, 2)
    sweep_thrice_at(at(2025, 10, 19, 10, 5))
    assert Reminder.objects.filter(kind=K.ANSWER_NEAR).count() == 1
    assert all(notified(K.ANSWER_NEAR, name) == 1 for name in ("carol", "bob", "bert"))


def test_a_late_co_handler_is_reminded_once(req, people, hr_bureau, housing_bureau):
    with time_machine.travel(at(2025, 10, 9, 10), tick=False):
        services.request_dispatch(req_id=req.pk, actor=people["bob"], lead=hr_bureau, co=[housing_bureau])
    due = fresh(req).co_opinion_due_at
    assert due is not None
    for _ in range(3):
        with time_machine.travel(due + timedelta(minutes=5), tick=False):
            reminders.sweep()
    assert Reminder.objects.filter(kind=K.CO_OPINION).count() == 1
    assert reminded(K.CO_OPINION) == {"chris"}
    assert Notification.objects.filter(kind="reminder_co_opinion").count() == 1


def test_a_co_handler_that_gave_its_opinion_is_not_reminded(req, people, hr_bureau, housing_bureau):
    with time_machine.travel(at(2025, 10, 9, 10), tick=False):
        services.request_dispatch(req_id=req.pk, actor=people["bob"], lead=hr_bureau, co=[housing_bureau])
        co = req.dispatches.get(role="co")
        due = co.opinion_due_at
        services.dispatch_answer(dispatch_id=co.pk, actor=people["chris"], body="同意")
    with time_machine.travel(due + timedelta(minutes=5), tick=False):
        reminders.sweep()
    assert not Reminder.objects.filter(kind=K.CO_OPINION).exists()
