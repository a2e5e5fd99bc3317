from datetime import datetime

from celery import shared_task
from django.utils import timezone

from . import reminders
from .models import Request, Status
from .services import request_close_unevaluated


@shared_task(name="issues.tasks.close_unevaluated", acks_late=True, soft_time_limit=300, time_limit=360)
def close_unevaluated() -> int:
    """Close answers the enterprise never evaluated once the policy's days have passed (idempotent)."""
    now = timezone.now()
    closed = 0
    ids = Request.objects.filter(status=Status.ANSWERED).order_by("answered_at").values_list("pk", flat=True)
    for pk in ids.iterator(chunk_size=500):
        closed += request_close_unevaluated(req_id=pk, now=now)
    return closed


@shared_task(
    name="issues.tasks.sweep_reminders",
    acks_late=True,
    soft_time_limit=reminders.SWEEP_SOFT_TIME_LIMIT,
    time_limit=reminders.SWEEP_TIME_LIMIT,
)
def sweep_reminders(now: str | None = None) -> dict:
    """Send every reminder stage that is due, once (``now``: an ISO moment, for tests and replays)."""
    run = reminders.sweep(now=datetime.fromisoformat(now) if now else None)
    return run.counts
