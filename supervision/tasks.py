"""Celery tasks of supervision: a few lines each around a service.

Each task is named explicitly with the dotted path it had when the app lived
under portal/, so messages already queued and the beat schedule still find it."""

import logging

from celery import shared_task
from django.core.files import File
from django.db import OperationalError
from django.utils import timezone

from .exports import build_ledger, write_workbook
from .models import ExportJob
from .ranking import previous_month
from .services import (
    export_job_claim,
    export_job_finish,
    export_job_progress,
    export_jobs_expire,
    export_jobs_waiting,
    ranking_publish_month,
    stats_refresh,
    timings_refresh,
)

logger = logging.getLogger(__name__)


@shared_task(
    name="portal.supervision.tasks.publish_monthly_rankings",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def publish_monthly_rankings() -> int:
    """Month end: freeze last month's rankings (only kinds without a published version)."""
    return len(ranking_publish_month(month=previous_month(timezone.localdate())))


@shared_task(
    name="portal.supervision.tasks.refresh_timings",
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def refresh_timings() -> int:
    return timings_refresh()


@shared_task(
    name="portal.supervision.tasks.refresh_stats",
    acks_late=True,
    soft_time_limit=300,
    time_limit=330,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def refresh_stats() -> int | None:
    """Every minute: count again the submission days whose requests changed (the dashboard's aggregate).
    A run that finds another still going skips; the next one catches up."""
    return stats_refresh(wait=False)


@shared_task(name="portal.supervision.tasks.write_export", acks_late=True, soft_time_limit=1800, time_limit=1900)
def write_export(job_id: int) -> None:
    if not export_job_claim(job_id=job_id):
        return  # another worker has it, or it is finished: a re-sent message does nothing
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    ledger = build_ledger(job.kind, job.created_by, job.params)
    if ledger is None:
        export_job_finish(job=job, name="", content=None, error="unknown ledger")
        return
    import tempfile

    with tempfile.TemporaryFile() as handle:
        try:
            write_workbook(ledger, handle, progress=lambda n: export_job_progress(job_id=job.pk, done=n))
        except Exception:
            logger.exception("export %s failed", job.pk)
            export_job_finish(job=job, name="", content=None, error="failed")
            raise
        handle.seek(0)
        export_job_finish(job=job, name=f"{job.token}.xlsx", content=File(handle))


@shared_task(name="portal.supervision.tasks.resend_waiting_exports", acks_late=True)
def resend_waiting_exports() -> int:
    """Every few minutes: send again the export jobs whose message never reached a worker."""
    from portal.tasking import enqueue

    waiting = export_jobs_waiting(older_than=timezone.now() - timezone.timedelta(minutes=2))
    return sum(enqueue(write_export, pk) for pk in waiting)


@shared_task(
    name="portal.supervision.tasks.expire_exports",
    acks_late=True,
    soft_time_limit=300,
    time_limit=330,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def expire_exports() -> int:
    """Daily: delete exported workbooks older than EXPORT_RETENTION_DAYS (they hold personal data)."""
    return export_jobs_expire()
