"""Celery tasks of accounts: a few lines each around a function."""

from celery import shared_task
from django.db import OperationalError

from .retention import audit_purge


@shared_task(
    name="portal.accounts.tasks.purge_audit",
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def purge_audit() -> int:
    """Nightly: delete audit events older than AUDIT_RETENTION_DAYS (at least 180 days)."""
    return audit_purge()
