"""portal/settings.py read in a fresh interpreter with a given environment, as a server would start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.settings import env_hours, parse_admins

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"PRODUCTION": "true", "SECRET_KEY": "x" * 64, "ALLOWED_HOSTS": "portal.example.gov.cn"}


def load(env: dict[str, str], *names: str) -> dict:
    """The named settings after importing portal.settings with only ``env`` (plus PATH) set."""
    script = (
        "import json, sys, portal.settings as s\n"
        "names = sys.argv[1:]\n"
        "print(json.dumps({n: getattr(s, n) for n in names}, default=str))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *names],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode:
        raise AssertionError(result.stderr)
    return json.loads(result.stdout)


def fails(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    return result.stderr


@pytest.mark.parametrize("url", ["", "sqlite:////tmp/portal-test.sqlite3"])
def test_an_empty_database_url_is_the_default_database(url):
    databases = load({"DATABASE_URL": url}, "DATABASES")["DATABASES"]
    assert databases["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert databases["default"]["NAME"] == (url.removeprefix("sqlite:///") or str(ROOT / "var" / "db.sqlite3"))


def test_it_reads_the_smtp_relay_from_the_environment():
    env = {
        "EMAIL_HOST": "smtp.example.gov.cn",
        "EMAIL_PORT": "2525",
        "EMAIL_HOST_USER": "portal",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": "true",
        "EMAIL_TIMEOUT": "5",
    }
    got = load(env, "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD")
    assert got == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.gov.cn",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "portal",
        "EMAIL_HOST_PASSWORD": "s3cret",
    }
    assert load(env, "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_TIMEOUT") == {
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 5,
    }


def test_it_picks_the_usual_port_for_tls_and_ssl():
    assert load({"EMAIL_HOST": "smtp", "EMAIL_USE_SSL": "true"}, "EMAIL_PORT")["EMAIL_PORT"] == 465
    assert load({"EMAIL_HOST": "smtp", "EMAIL_USE_TLS": "true"}, "EMAIL_PORT")["EMAIL_PORT"] == 587
    assert load({"EMAIL_HOST": "smtp"}, "EMAIL_PORT")["EMAIL_PORT"] == 25


def test_it_prints_mail_to_the_console_without_a_relay():
    got = load({}, "EMAIL_BACKEND", "ADMINS")
    assert got == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend", "ADMINS": []}


def test_it_refuses_tls_and_ssl_together():
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive" in fails({"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"})


def test_it_refuses_a_port_that_is_not_a_number():
    assert "EMAIL_PORT: expected a whole number" in fails({"EMAIL_PORT": "smtp"})


def test_it_reads_admins_with_or_without_names():
    assert parse_admins("王力 <wang@example.gov.cn>, ops@example.gov.cn,") == [
        ("王力", "wang@example.gov.cn"),
        ("", "ops@example.gov.cn"),
    ]
    assert parse_admins("") == []
    with pytest.raises(ImproperlyConfigured):
        parse_admins("Wang Li")


def test_it_mails_errors_to_admins_only_when_they_are_set():
    got = load({"ADMINS": "Ops <ops@example.gov.cn>", "SERVER_EMAIL": "errors@example.gov.cn"}, "ADMINS", "LOGGING")
    assert got["ADMINS"] == [["Ops", "ops@example.gov.cn"]]
    assert got["LOGGING"]["loggers"]["django"]["handlers"] == ["mail_admins"]
    assert got["LOGGING"]["handlers"]["mail_admins"]["class"] == "django.utils.log.AdminEmailHandler"
    assert load({"ADMINS": "ops@example.gov.cn", "SERVER_EMAIL": "errors@example.gov.cn"}, "SERVER_EMAIL") == {
        "SERVER_EMAIL": "errors@example.gov.cn"
    }
    assert load({}, "LOGGING")["LOGGING"]["loggers"]["django"]["handlers"] == []


MAIL_AN_ERROR = (
    "import json, logging, os, django\n"
    "os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'\n"
    "django.setup()\n"
    "from django.core import mail\n"
    "mail.outbox = []\n"
    "logging.getLogger('django.request').error('Internal Server Error: /requests/1/')\n"
    "print(json.dumps([[m.to, m.from_email] for m in mail.outbox]))\n"
)


@pytest.mark.parametrize("admins, sent", [("Ops <ops@example.gov.cn>", 1), ("", 0)])
def test_an_unhandled_error_is_mailed_once_to_the_admins(admins, sent):
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "ADMINS": admins,
        "SERVER_EMAIL": "errors@example.gov.cn",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    result = subprocess.run(
        [sys.executable, "-c", MAIL_AN_ERROR], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[["ops@example.gov.cn"], "errors@example.gov.cn"]] * sent


SENTRY_STATE = (
    "import sentry_sdk, portal.settings\n"
    "client = sentry_sdk.get_client()\n"
    "print(client.is_active(), client.options.get('send_default_pii'), client.options.get('dsn'))\n"
)


def sentry_state(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SENTRY_STATE],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_it_reports_errors_to_sentry_only_when_a_dsn_is_set():
    dsn = "http://public@127.0.0.1:9/1"
    assert sentry_state({**PRODUCTION, "SENTRY_DSN": dsn}) == f"True False {dsn}"
    assert sentry_state(PRODUCTION).startswith("False")


def test_it_reads_how_old_the_last_sweep_may_be():
    assert load({}, "HEALTH_SWEEP_MAX_AGE") == {"HEALTH_SWEEP_MAX_AGE": "0:15:00"}
    assert load({"HEALTH_SWEEP_MAX_AGE_MINUTES": "30"}, "HEALTH_SWEEP_MAX_AGE") == {"HEALTH_SWEEP_MAX_AGE": "0:30:00"}


def test_it_reads_the_quiet_hours_from_the_environment(monkeypatch):
    monkeypatch.delenv("NOTIFICATION_QUIET_HOURS", raising=False)
    assert env_hours("NOTIFICATION_QUIET_HOURS", "22-7") == (22, 7)
    monkeypatch.setenv("NOTIFICATION_QUIET_HOURS", "21-8")
    assert env_hours("NOTIFICATION_QUIET_HOURS", "22-7") == (21, 8)
    monkeypatch.setenv("NOTIFICATION_QUIET_HOURS", "off")
    assert env_hours("NOTIFICATION_QUIET_HOURS", "22-7") == (0, 0)


@pytest.mark.parametrize("raw", ["22", "22-24", "night", "7-x"])
def test_it_refuses_quiet_hours_it_cannot_read(monkeypatch, raw):
    monkeypatch.setenv("NOTIFICATION_QUIET_HOURS", raw)
    with pytest.raises(ImproperlyConfigured, match="NOTIFICATION_QUIET_HOURS"):
        env_hours("NOTIFICATION_QUIET_HOURS", "22-7")
