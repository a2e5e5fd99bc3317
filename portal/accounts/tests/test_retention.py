"""Audit events are kept AUDIT_RETENTION_DAYS (never fewer than 180) and purged by beat every night."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from portal.accounts import tasks
from portal.accounts.models import AuditEvent


def _event_at(moment, user):
    with time_machine.travel(moment, tick=False):
        return AuditEvent.objects.create(action="login", actor=user, username=user.username)


def test_the_beat_task_purges_only_events_older_than_the_retention_and_is_idempotent(bob):
    AuditEvent.objects.all().delete()  # creating bob is audited too; start from an empty log
    now = timezone.now()
    old = _event_at(now - timedelta(days=181), bob)
    recent = _event_at(now - timedelta(days=179), bob)
    with time_machine.travel(now, tick=False):
        assert tasks.purge_audit.delay().get() == 1
        assert tasks.purge_audit.delay().get() == 0
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    with time_machine.travel(now + timedelta(days=2), tick=False):
        assert tasks.purge_audit() == 1
    assert not AuditEvent.objects.filter(action="login").exists()


def test_the_task_refuses_a_retention_below_180_days_and_deletes_nothing(bob, settings):
    _event_at(timezone.now() - timedelta(days=100), bob)
    settings.AUDIT_RETENTION_DAYS = 90
    with pytest.raises(ImproperlyConfigured):
        tasks.purge_audit()
    assert AuditEvent.objects.filter(action="login").count() == 1


def _settings_with(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        env={**os.environ, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("value", ["30", "179", "abc"])
def test_settings_refuse_an_audit_retention_below_180_days(value):
    result = _settings_with(AUDIT_RETENTION_DAYS=value)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "AUDIT_RETENTION_DAYS" in result.stderr


def test_settings_read_the_retention_days_from_the_environment():
    code = "import portal.settings as s; print(s.AUDIT_RETENTION_DAYS, s.EXPORT_RETENTION_DAYS)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "AUDIT_RETENTION_DAYS": "365", "EXPORT_RETENTION_DAYS": "3"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["365", "3"]
    assert _settings_with(EXPORT_RETENTION_DAYS="0").returncode != 0
