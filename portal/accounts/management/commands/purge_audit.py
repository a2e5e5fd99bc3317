"""Delete audit events older than the retention period (AUDIT_RETENTION_DAYS, at least 180 days).

Beat runs the same purge every night (``portal.accounts.tasks.purge_audit``); this command is for a manual run."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.accounts.models import AuditEvent
from portal.accounts.retention import audit_cutoff, audit_purge


class Command(BaseCommand):
    help = "Delete audit events older than settings.AUDIT_RETENTION_DAYS; younger events are never touched."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, dry_run: bool = False, **options):
        now = timezone.now()
        try:
            cutoff = audit_cutoff(now)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if dry_run:
            count = AuditEvent.objects.filter(created_at__lt=cutoff).count()
            self.stdout.write(f"{count} audit events older than {cutoff:%Y-%m-%d %H:%M} would be deleted.")
            return
        deleted = audit_purge(now=now)
        self.stdout.write(f"Deleted {deleted} audit events older than {cutoff:%Y-%m-%d %H:%M}.")
