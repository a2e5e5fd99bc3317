"""A frozen or lost broker and a slow gateway, with a real Redis and real workers (subprocesses).

The workers share the test database, so these run on PostgreSQL (the fixtures skip on SQLite).
"""

import signal
import time
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from issues.models import Category, Request, SweepRun
from issues.tests.fault_channels import received
from issues.tests.test_reminders_integration import Worker, _wait, start_redis, sweeps_done
from portal import celery_app
from portal.notifications.models import Delivery
from portal.notifications.services import enqueue_now, notify
from portal.tasking import broker_state_reset

pytestmark = [pytest.mark.integration]

SMS_BACKENDS = {
    "fast": "issues.tests.fault_channels.FileChannel",
    "slow": "issues.tests.fault_channels.SlowChannel",
}


@pytest.fixture
def redis_server(tmp_path):
    proc, url = start_redis(tmp_path)
    yield proc, url
    if proc.poll() is None:
        proc.send_signal(signal.SIGCONT)  # a stopped process ignores SIGTERM until continued
        proc.terminate()
        proc.wait(10)


@pytest.fixture(autouse=True)
def no_quiet_hours(settings, monkeypatch):
    """These tests send at once whatever the hour: out of quiet hours, in the test and in its workers."""
    settings.NOTIFICATION_QUIET_HOURS = (0, 0)
    monkeypatch.setenv("NOTIFICATION_QUIET_HOURS", "off")


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("worker subprocesses cannot share an in-memory SQLite test database; run on PostgreSQL")


@contextmanager
def live_broker(url: str):
    """Publish for real to ``url`` (tests otherwise run tasks inline)."""
    old = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = False, url
    celery_app._pool = None
    broker_state_reset()
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = old
        celery_app._pool = None
        broker_state_reset()


@pytest.fixture
def workers(redis_server, tmp_path):
    started = []

    def start(name, queues, sms="fast"):
        worker = Worker(
            redis_server[1],
            tmp_path,
            queues=queues,
            name=name,
            env={"SMS_BACKEND": SMS_BACKENDS[sms], "FAULT_CHANNEL_LOG": str(tmp_path / "gateway.txt")},
        )
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


_collected = []


def _collect(func, using=None, robust=False):
    _collected.append(func)


def submit_through_the_web(client, alice, acme, title):
    """Post the form, then run its after-commit callbacks (the broker calls) as the request would;
    returns the seconds the whole took and the seconds the broker calls took."""
    client.force_login(alice)
    category, _ = Category.objects.get_or_create(code="finance", defaults={"name": "融资"})
    started = time.monotonic()
    with mock.patch("django.db.transaction.on_commit", side_effect=_collect) as on_commit:
        _collected.clear()
        response = client.post(
            "/requests/new/",
            {"enterprise": acme.pk, "category": category.pk, "title": title, "description": "新厂房需要临时用电。"},
        )
        assert on_commit.called
    committed = time.monotonic()
    for callback in _collected:
        callback()
    finished = time.monotonic()
    assert response.status_code == 302, response.content.decode()[:500]
    return finished - started, finished - committed


@pytest.fixture
def bob_by_sms(bob):
    bob.email = ""
    bob.notify_channels = ["sms"]
    bob.save()
    return bob


def test_a_frozen_broker_does_not_hang_the_form_and_the_sweep_sends_once(
    postgres, redis_server, workers, client, alice, acme, bob_by_sms, tmp_path, caplog
):
    proc, url = redis_server
    proc.send_signal(signal.SIGSTOP)  # accepts connections, never answers
    with live_broker(url):
        took, broker = submit_through_the_web(client, alice, acme, "临时用电")
    assert took < 5, f"the submission took {took:.1f} s with the broker frozen"
    assert broker < 2, f"the broker calls took {broker:.1f} s"
    assert "left for the sweep" in caplog.text
    req = Request.objects.get(title="临时用电")
    delivery = Delivery.objects.get(notification__user=bob_by_sms, notification__url__endswith=f"/{req.pk}/")
    assert delivery.status == Delivery.Status.PENDING and delivery.channel == "sms"

    proc.send_signal(signal.SIGCONT)
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    worker = workers("all", None)
    _wait(worker.ready, timeout=60, what="the worker to start (see all.log)")
    for _ in range(2):  # the next beat, twice: the second finds nothing to send
        with live_broker(url), celery_app.connection_for_write(url) as conn:
            celery_app.send_task("portal.notifications.tasks.sweep_deliveries", connection=conn)
    _wait(
        lambda: Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENT,
        timeout=30,
        what="the delivery sweep to send it",
    )
    time.sleep(1)  # let the second sweep run too
    assert received(tmp_path / "gateway.txt").count(f"delivery-{delivery.pk}") == 1
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1


def test_a_down_broker_costs_a_submission_less_than_a_second(
    postgres, redis_server, client, alice, acme, bob_by_sms, caplog
):
    proc, url = redis_server
    proc.terminate()
    proc.wait(10)
    with live_broker(url):
        _, broker = submit_through_the_web(client, alice, acme, "临时用水")
    assert broker < 1, f"the broker calls took {broker:.1f} s with the broker down"
    assert "left for the sweep" in caplog.text
    req = Request.objects.get(title="临时用水")
    assert Delivery.objects.get(notification__url__endswith=f"/{req.pk}/").status == Delivery.Status.PENDING


def test_a_slow_sms_gateway_delays_neither_email_nor_the_sweep(postgres, redis_server, workers, alice, tmp_path):
    _, url = redis_server
    alice.email = "alice@acme.example"
    alice.notify_channels = ["sms"]
    alice.save()
    with mock.patch("portal.notifications.services.enqueue_now"):
        for n in range(8):
            notify(users=[alice], kind="test", title=f"提醒 {n}", urgent=True)
    sms = list(Delivery.objects.filter(channel="sms").values_list("pk", flat=True))
    email = list(Delivery.objects.filter(channel="email").values_list("pk", flat=True))
    started = [
        workers("periodic", ["periodic"]),
        workers("email", ["deliver.email"]),
        workers("sms", ["deliver.sms"], sms="slow"),
    ]
    _wait(lambda: all(w.ready() for w in started), timeout=90, what="the workers to start")
    with live_broker(url):
        enqueue_now(sms)  # 8 SMS at 2 s each: 16 s of work on the SMS queue
        enqueue_now(email)
        begun = time.monotonic()
        with celery_app.connection_for_write(url) as conn:
            celery_app.send_task("issues.tasks.sweep_reminders", connection=conn)
    _wait(
        lambda: Delivery.objects.filter(pk__in=email, status=Delivery.Status.SENT).count() == len(email),
        timeout=10,
        what="the e-mails, while the SMS gateway is slow",
    )
    _wait(sweeps_done(1), timeout=10, what="the reminder sweep, while the SMS gateway is slow")
    waited = time.monotonic() - begun
    sms_sent = Delivery.objects.filter(pk__in=sms, status=Delivery.Status.SENT).count()
    assert sms_sent < len(sms), f"all SMS were out within {waited:.1f} s: the gateway was not slow"
    assert SweepRun.objects.filter(finished_at__isnull=False).count() == 1
    _wait(
        lambda: Delivery.objects.filter(pk__in=sms, status=Delivery.Status.SENT).count() == len(sms),
        timeout=40,
        what="the slow SMS, eventually",
    )
    assert sorted(received(tmp_path / "gateway.txt")) == sorted(f"delivery-{pk}" for pk in sms)  # each once
