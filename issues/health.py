"""The requests app's part of /healthz (portal.health): reminders stop when the sweep stops."""

from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from .models import SweepRun


def check_reminder_sweep() -> str | None:
    """Fails when no sweep has finished within HEALTH_SWEEP_MAX_AGE (beat or the periodic worker is down,
    or every sweep dies before its end). Beat starts one every five minutes."""
    finished = (
        SweepRun.objects.filter(finished_at__isnull=False)
        .order_by("-started_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    if finished is None:
        # a new installation has had no time to sweep yet: it is healthy for as long as a sweep may be
        # missing, counted from when the requests' tables were created (their first migration)
        installed = (
            MigrationRecorder.Migration.objects.filter(app="issues")
            .order_by("applied")
            .values_list("applied", flat=True)
            .first()
        )
        if installed is not None and timezone.now() - installed <= settings.HEALTH_SWEEP_MAX_AGE:
            return None
        return "never"
    if timezone.now() - finished > settings.HEALTH_SWEEP_MAX_AGE:
        return "stale"
    return None
