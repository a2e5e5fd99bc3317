from datetime import datetime

from celery import shared_task

from . import reminders


@shared_task(name="projects.tasks.sweep_project_reminders", acks_late=True, soft_time_limit=240, time_limit=300)
def sweep_project_reminders(now: str | None = None) -> dict:
    """Remind late half-monthly reports and missed visits, once each (``now``: an ISO moment, for replays)."""
    return reminders.sweep(now=datetime.fromisoformat(now) if now else None).as_dict()
