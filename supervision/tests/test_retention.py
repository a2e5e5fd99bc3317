"""Exported workbooks hold personal data: beat deletes them after EXPORT_RETENTION_DAYS and the job says so."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation

from portal import celery_app
from supervision import tasks
from supervision.models import ExportJob

from .conftest import SHANGHAI

WRITTEN = datetime(2025, 4, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def finished(dave):
    """A large drill ledger written by the worker for dave on 1 April."""
    with time_machine.travel(WRITTEN, tick=False):
        job = ExportJob.objects.create(created_by=dave, kind="drill", params={"metric": "received"}, total=0)
        tasks.write_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and default_storage.exists(job.file.name)
    return job


def _expire_at(moment) -> int:
    with time_machine.travel(moment, tick=False):
        return tasks.expire_exports.delay().get()


def test_it_keeps_an_export_for_the_retention_days_then_deletes_the_file_once(finished):
    assert settings.EXPORT_RETENTION_DAYS == 7
    name = finished.file.name
    assert _expire_at(WRITTEN + timedelta(days=7) - timedelta(minutes=1)) == 0
    assert default_storage.exists(name)
    assert _expire_at(WRITTEN + timedelta(days=7, minutes=1)) == 1
    finished.refresh_from_db()
    assert finished.status == ExportJob.Status.EXPIRED and not finished.file
    assert not default_storage.exists(name)
    assert _expire_at(WRITTEN + timedelta(days=8)) == 0  # a second run finds nothing to do


def test_the_retention_is_a_setting(finished, settings):
    settings.EXPORT_RETENTION_DAYS = 30
    assert _expire_at(WRITTEN + timedelta(days=29)) == 0
    assert _expire_at(WRITTEN + timedelta(days=31)) == 1


def test_the_download_page_says_expired_instead_of_failing(finished, client, dave):
    _expire_at(WRITTEN + timedelta(days=8))
    client.force_login(dave)
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        download = client.get(reverse("supervision:export_download", args=[finished.pk]))
        page = client.get(reverse("supervision:export_job", args=[finished.pk]))
    assert download.status_code == 410
    assert "This export has expired" in download.content.decode()
    assert page.status_code == 200 and 'id="export-expired"' in page.content.decode()
    again = reverse("supervision:export", args=["drill"]) + "?metric=received"
    assert f'href="{again}"' in page.content.decode()
    assert client.get(again).status_code == 200  # the confirmation page, nothing exported yet


def test_a_file_deleted_by_hand_shows_expired_too(finished, client, dave):
    default_storage.delete(finished.file.name)
    client.force_login(dave)
    response = client.get(reverse("supervision:export_download", args=[finished.pk]))
    assert response.status_code == 410 and b'id="export-expired"' in response.content


def test_jobs_that_never_finished_and_files_of_no_job_expire_as_well(dave):
    with time_machine.travel(WRITTEN, tick=False):
        stuck = ExportJob.objects.create(created_by=dave, kind="drill", params={}, total=5)
    orphan = default_storage.save("exports/left-behind.xlsx", ContentFile(b"PK"))
    assert _expire_at(WRITTEN + timedelta(days=8)) == 1
    stuck.refresh_from_db()
    assert stuck.status == ExportJob.Status.EXPIRED
    # The orphan was written now (after 1 April): it is kept until it is old enough.
    assert default_storage.exists(orphan)
    _expire_at(datetime.now(tz=SHANGHAI) + timedelta(days=8))
    assert not default_storage.exists(orphan)


def test_beat_runs_the_retention_tasks_by_their_names():
    celery_app.loader.import_default_modules()  # what a worker does at start: every app's tasks module
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"portal.supervision.tasks.expire_exports", "portal.accounts.tasks.purge_audit"} <= schedule
    assert {"portal.supervision.tasks.expire_exports", "portal.accounts.tasks.purge_audit"} <= set(celery_app.tasks)
