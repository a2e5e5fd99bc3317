"""Task names are part of the broker's contract: queued messages and the beat schedule name them."""

from django.conf import settings

from portal.celery import app
from supervision import tasks


def test_supervision_tasks_keep_the_names_queued_messages_carry():
    assert {
        tasks.publish_monthly_rankings.name,
        tasks.refresh_timings.name,
        tasks.refresh_stats.name,
        tasks.write_export.name,
        tasks.resend_waiting_exports.name,
    } == {
        "portal.supervision.tasks.publish_monthly_rankings",
        "portal.supervision.tasks.refresh_timings",
        "portal.supervision.tasks.refresh_stats",
        "portal.supervision.tasks.write_export",
        "portal.supervision.tasks.resend_waiting_exports",
    }


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    missing = {key: entry["task"] for key, entry in schedule.items() if entry["task"] not in app.tasks}
    assert missing == {}
