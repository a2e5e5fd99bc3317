"""Delete audit events older than the retention period (AUDIT_RETENTION_DAYS, at least 180 days)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.accounts.models import AuditEvent

MINIMUM_RETENTION_DAYS = 180


class Command(BaseCommand):
    help = "Delete audit events older than settings.AUDIT_RETENTION_DAYS; younger events are never touched."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, dry_run: bool = False, **options):
        days = int(getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS))
        if days < MINIMUM_RETENTION_DAYS:
            raise CommandError(
                f"AUDIT_RETENTION_DAYS is {days}; audit events must be kept at least {MINIMUM_RETENTION_DAYS} days."
            )
        cutoff = timezone.now() - timedelta(days=days)
        expired = AuditEvent.objects.filter(created_at__lt=cutoff)
        if dry_run:
            self.stdout.write(f"{expired.count()} audit events older than {cutoff:%Y-%m-%d %H:%M} would be deleted.")
            return
        # A queryset delete: AuditEvent.delete() refuses single deletions by design.
        deleted, _ = expired.delete()
        self.stdout.write(f"Deleted {deleted} audit events older than {cutoff:%Y-%m-%d %H:%M}.")
