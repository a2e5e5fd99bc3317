"""Two people acting on the same request at once: one wins, the other is told it is already handled.

The threaded tests need real row locks and two connections, so they run on PostgreSQL only (CI runs
the suite there); SQLite serialises writers and ignores SELECT ... FOR UPDATE. The sequential tests
show the same outcome on any database.
"""

import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import translation

from issues import services
from issues.models import OPEN_DISPATCH_STATUSES, Category, Dispatch, RequestEvent, Status
from issues.services import StaleError, TransitionError

from .factories import fresh, make_request, message_of

real_database = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks and two real connections"
)
# Transactional: each thread must see the other's commits. The tables are flushed between such tests,
# so they bring their own category rather than rely on the one seeded by migration.
threaded = pytest.mark.django_db(transaction=True)


@pytest.fixture
def finance(db):
    return Category.objects.get_or_create(code="finance", defaults={"name": "融资", "name_en": "Financing"})[0]


def live_leads(req) -> int:
    return Dispatch.objects.filter(request=req, role=Dispatch.Role.LEAD, status__in=OPEN_DISPATCH_STATUSES).count()


def race(*actions, hold: float = 0.3, monkeypatch) -> list:
    """Start ``actions`` together on their own threads and database connections.

    Whoever takes the request's row lock first keeps it ``hold`` seconds, so the other really waits on
    the lock instead of arriving after the commit. Returns "ok" or the exception per action.
    """
    lock = services._lock

    def slow_lock(*args, **kwargs):
        req = lock(*args, **kwargs)
        time.sleep(hold)
        return req

    monkeypatch.setattr(services, "_lock", slow_lock)
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index: int, action) -> None:
        try:
            with translation.override("en"):
                barrier.wait(timeout=10)
                action()
            results[index] = "ok"
        except Exception as exc:  # noqa: BLE001 — reported back to the test, which asserts on it
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return results


def one_winner(results: list) -> TransitionError:
    assert results.count("ok") == 1, results
    losers = [r for r in results if r != "ok"]
    assert len(losers) == 1 and isinstance(losers[0], TransitionError), results
    return losers[0]


@real_database
@threaded
def test_it_lets_one_of_two_simultaneous_dispatches_win(
    acme, alice, bob, bert, hr_bureau, housing_bureau, finance, monkeypatch
):
    req = make_request(acme, alice, category=finance)
    loser = one_winner(
        race(
            lambda: services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau),
            lambda: services.request_dispatch(req_id=req.pk, actor=bert, lead=housing_bureau),
            monkeypatch=monkeypatch,
        )
    )
    assert "already been dispatched" in message_of(loser)
    assert live_leads(req) == 1
    assert Dispatch.objects.filter(request=req).count() == 1
    assert RequestEvent.objects.filter(request=req, action="dispatch").count() == 1
    after = fresh(req)
    assert (after.status, after.version) == (Status.IN_PROGRESS, req.version + 1)
    assert after.lead_department_id == Dispatch.objects.get(request=req).department_id


@real_database
@threaded
def test_it_lets_one_of_a_simultaneous_take_on_and_dispatch_win(
    acme, alice, bob, bert, hr_bureau, finance, monkeypatch
):
    """Both opened the request page at the same version, as the views pass it."""
    req = make_request(acme, alice, category=finance)
    loser = one_winner(
        race(
            lambda: services.request_take_on(req_id=req.pk, actor=bert, expected_version=req.version),
            lambda: services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau, expected_version=req.version),
            monkeypatch=monkeypatch,
        )
    )
    assert isinstance(loser, StaleError)
    after = fresh(req)
    assert (after.status, after.version) == (Status.IN_PROGRESS, req.version + 1)
    assert after.handled_directly == (live_leads(req) == 0)
    assert RequestEvent.objects.filter(request=req).exclude(action="submit").count() == 1


@real_database
@threaded
def test_it_lets_one_of_two_simultaneous_evaluations_count(acme, alice, bob, hr_bureau, carol, finance, monkeypatch):
    req = make_request(acme, alice, category=finance)
    services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau)
    task = Dispatch.objects.get(request=req)
    services.dispatch_answer(dispatch_id=task.pk, actor=carol, outcome="resolved", body="已解决")
    loser = one_winner(
        race(
            lambda: services.request_evaluate(req_id=req.pk, actor=alice, verdict="satisfied"),
            lambda: services.request_evaluate(req_id=req.pk, actor=alice, verdict="dissatisfied", comment="未解决"),
            monkeypatch=monkeypatch,
        )
    )
    assert "already" in message_of(loser)
    after = fresh(req)
    assert after.evaluations.count() == 1
    assert after.reopen_count == (1 if after.status == Status.IN_PROGRESS else 0)


# ---------------------------------------------------------------------------------------------
# the same, one after the other (any database)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.django_db
def test_it_tells_the_second_dispatcher_the_request_changed_under_them(
    acme, alice, bob, bert, hr_bureau, housing_bureau
):
    req = make_request(acme, alice)
    loaded = req.version  # both commissioners opened the page at this version
    services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau, expected_version=loaded)
    with pytest.raises(StaleError, match="Someone else has just handled this request"):
        services.request_dispatch(req_id=req.pk, actor=bert, lead=housing_bureau, expected_version=loaded)
    assert live_leads(req) == 1


@pytest.mark.django_db
def test_it_tells_the_second_dispatcher_it_is_already_dispatched(acme, alice, bob, bert, hr_bureau, housing_bureau):
    req = make_request(acme, alice)
    services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau)
    before = fresh(req)
    with pytest.raises(TransitionError) as info:
        services.request_dispatch(req_id=req.pk, actor=bert, lead=housing_bureau, expected_version=before.version)
    assert "already been dispatched" in message_of(info.value)
    assert live_leads(req) == 1
    assert fresh(req).version == before.version
    assert Dispatch.objects.get(request=req).department == hr_bureau


@pytest.mark.django_db
def test_it_refuses_a_second_live_lead_even_past_the_service_checks(acme, alice, bob, hr_bureau, housing_bureau):
    """The database itself holds one live lead per round, whatever a future code path forgets."""
    req = make_request(acme, alice)
    services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau)
    lead = Dispatch.objects.get(request=req)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispatch.objects.create(
            request=req,
            department=housing_bureau,
            role=Dispatch.Role.LEAD,
            round=0,
            dispatched_by=bob,
            answer_due_at=lead.answer_due_at,
        )
