"""Operators see sweeps that never finished and how old they are, not only the last sweep."""

import io
import json
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from issues import reminders
from issues.clock import SHANGHAI
from issues.models import SweepRun

NOW = datetime(2025, 10, 20, 9, tzinfo=SHANGHAI)


@pytest.fixture
def sweeps(db):
    """A sweep killed two hours ago, a finished one since, and one running for two minutes."""
    killed = SweepRun.objects.create(started_at=NOW - timedelta(hours=2), now=NOW - timedelta(hours=2))
    finished = SweepRun.objects.create(
        started_at=NOW - timedelta(minutes=7), finished_at=NOW - timedelta(minutes=6), now=NOW - timedelta(minutes=7)
    )
    running = SweepRun.objects.create(started_at=NOW - timedelta(minutes=2), now=NOW - timedelta(minutes=2))
    return killed, finished, running


def test_it_lists_unfinished_sweeps_with_their_age_and_marks_the_killed_one_abandoned(sweeps):
    killed, finished, running = sweeps
    status = reminders.reminders_status(NOW)
    assert status["last_sweep"]["minutes_ago"] == 2.0  # the last sweep, as before
    assert [(r["pk"], r["minutes_ago"], r["abandoned"]) for r in status["unfinished_sweeps"]] == [
        (running.pk, 2.0, False),
        (killed.pk, 120.0, True),
    ]
    assert status["unfinished_sweeps_total"] == 2


def test_a_sweep_is_abandoned_only_once_past_the_tasks_time_limit(db):
    run = SweepRun.objects.create(started_at=NOW, now=NOW)
    limit = timedelta(seconds=reminders.SWEEP_TIME_LIMIT)
    assert reminders.unfinished_sweeps(NOW + limit)[0]["abandoned"] is False
    assert reminders.unfinished_sweeps(NOW + limit + timedelta(seconds=1))[0]["abandoned"] is True
    run.finished_at = NOW + timedelta(minutes=1)
    run.save()
    assert reminders.unfinished_sweeps(NOW + limit * 2) == []


def test_the_status_command_shows_unfinished_sweeps(sweeps, time_machine):
    time_machine.move_to(NOW, tick=False)
    out = io.StringIO()
    call_command("reminders_status", stdout=out)
    text = out.getvalue()
    assert "unfinished sweeps: 2" in text
    assert "(120.0 min ago): abandoned" in text
    assert "(2.0 min ago): running" in text
    out = io.StringIO()
    call_command("reminders_status", "--json", stdout=out)
    assert len(json.loads(out.getvalue())["unfinished_sweeps"]) == 2


def test_the_status_page_shows_unfinished_sweeps(client, admin_user, sweeps, time_machine):
    time_machine.move_to(NOW, tick=False)
    client.force_login(admin_user)
    page = client.get("/notifications/status/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "未完成的提醒扫描" in page
    assert "已中断" in page
