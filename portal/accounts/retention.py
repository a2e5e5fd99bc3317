"""How long audit events are kept, and their purge (run by beat and by ``manage.py purge_audit``)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .models import AuditEvent

MINIMUM_RETENTION_DAYS = 180


def audit_retention_days() -> int:
    days = int(settings.AUDIT_RETENTION_DAYS)
    if days < MINIMUM_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS is {days}; audit events must be kept at least {MINIMUM_RETENTION_DAYS} days."
        )
    return days


def audit_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=audit_retention_days())


def audit_purge(*, now: datetime | None = None) -> int:
    """Delete audit events older than the retention period; younger events are never touched. Running it
    twice deletes nothing more. Returns the number of events deleted."""
    # A queryset delete: AuditEvent.delete() refuses single deletions by design.
    deleted, _ = AuditEvent.objects.filter(created_at__lt=audit_cutoff(now)).delete()
    return deleted
