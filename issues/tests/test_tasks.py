"""Periodic tasks of the request lifecycle."""

from datetime import datetime

import pytest
import time_machine

from issues import services
from issues.clock import SHANGHAI
from issues.models import CloseReason, Dispatch, DispatchStatus, RequestEvent, SlaPolicy, Status, Verdict
from issues.tasks import close_unevaluated
from portal.notifications.models import Notification

from .factories import answered, dispatched, fresh, make_request

pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def run_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return close_unevaluated.delay().get()


@pytest.fixture
def answered_monday(acme, alice, bob, bert, hr_bureau, carol):
    """Submitted Friday 14 Nov 2025, answered Monday 17 Nov 10:00, never evaluated."""
    with time_machine.travel(at(2025, 11, 14, 16), tick=False) as traveller:
        req = make_request(acme, alice)
        traveller.move_to(at(2025, 11, 17, 10))
        return answered(req, bob, hr_bureau, carol)


def test_it_closes_an_unevaluated_answer_after_seven_working_days(answered_monday):
    # 7 working days after Monday 17 Nov 10:00 is Wednesday 26 Nov 10:00.
    assert run_at(at(2025, 11, 26, 9, 59)) == 0
    assert fresh(answered_monday).status == Status.ANSWERED

    assert run_at(at(2025, 11, 26, 10)) == 1
    req = fresh(answered_monday)
    assert (req.status, req.close_reason, req.closed_at) == (
        Status.CLOSED,
        CloseReason.NOT_EVALUATED,
        at(2025, 11, 26, 10),
    )
    assert req.verdict == "" and req.satisfaction_score is None  # not counted in the coefficient
    event = RequestEvent.objects.filter(request=req).last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "close_unevaluated",
        "answered",
        "closed",
        None,
    )
    assert set(
        Notification.objects.filter(kind="request_closed_unevaluated").values_list("user__username", flat=True)
    ) == {"bob", "bert"}


def test_it_closes_nothing_on_a_second_run(answered_monday):
    assert run_at(at(2025, 11, 27, 10)) == 1
    version = fresh(answered_monday).version
    assert run_at(at(2025, 11, 27, 10)) == 0
    assert run_at(at(2025, 12, 30, 10)) == 0
    assert fresh(answered_monday).version == version
    assert RequestEvent.objects.filter(action="close_unevaluated").count() == 1


def test_it_leaves_evaluated_and_open_requests_alone(answered_monday, acme, alice):
    services.request_evaluate(req_id=answered_monday.pk, actor=alice, verdict=Verdict.BASICALLY)
    still_open = make_request(acme, alice)
    assert run_at(at(2026, 1, 30, 10)) == 0
    assert fresh(answered_monday).close_reason == CloseReason.EVALUATED
    assert fresh(still_open).status == Status.SUBMITTED


def test_it_follows_the_regions_auto_close_days(answered_monday, kuiwen):
    SlaPolicy.objects.create(region=kuiwen, auto_close_days=2)
    assert run_at(at(2025, 11, 19, 9)) == 0
    assert run_at(at(2025, 11, 19, 10)) == 1


def test_it_skips_the_weekend_when_counting_the_days(answered_monday, kuiwen):
    SlaPolicy.objects.create(region=kuiwen, auto_close_days=5)
    assert run_at(at(2025, 11, 23, 23)) == 0  # Sunday: only 4 working days have passed
    assert run_at(at(2025, 11, 24, 10)) == 1


def test_it_counts_the_days_from_the_latest_answer_after_a_reopen(answered_monday, alice, hr_bureau, carol):
    with time_machine.travel(at(2025, 11, 18, 10), tick=False):
        services.request_evaluate(
            req_id=answered_monday.pk, actor=alice, verdict=Verdict.DISSATISFIED, comment="仍未放款"
        )
    with time_machine.travel(at(2025, 11, 20, 10), tick=False):
        answered(answered_monday, None, hr_bureau, carol)
    assert run_at(at(2025, 11, 28, 10)) == 0  # 7 working days after the first answer, 6 after the second
    assert run_at(at(2025, 12, 1, 10)) == 1


def test_it_cancels_a_co_task_still_open_when_it_closes(acme, alice, bob, bert, hr_bureau, housing_bureau, carol):
    with time_machine.travel(at(2025, 11, 17, 10), tick=False):
        req = dispatched(make_request(acme, alice), bob, hr_bureau, co=[housing_bureau])
        req = answered(req, bob, hr_bureau, carol)
    assert run_at(at(2025, 11, 26, 10)) == 1
    assert set(req.dispatches.values_list("role", "status")) == {
        (Dispatch.Role.LEAD, DispatchStatus.ANSWERED),
        (Dispatch.Role.CO, DispatchStatus.CANCELLED),
    }
