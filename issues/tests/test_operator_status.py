"""The operators' status page shows the reminder sweep's figures, which issues adds to the core's page."""

from django.utils import timezone

from issues.models import SweepRun
from portal.notifications.selectors import notification_status


def test_it_adds_the_last_sweep_and_the_stages_due_to_the_status(db):
    now = timezone.now()
    SweepRun.objects.create(started_at=now, finished_at=now, now=now, counts={"assign": 2})
    status = notification_status()
    assert status["last_sweep"]["counts"] == {"assign": 2}
    assert "due_unsent" in status and "deliveries" in status
