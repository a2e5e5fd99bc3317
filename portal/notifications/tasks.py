from celery import shared_task
from django.utils import timezone

from portal.tasking import enqueue

from .delivery import deliveries_due, delivery_send

ENQUEUE_CHUNK = 50


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def deliver(delivery_id: int) -> None:
    delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def deliver_batch(delivery_ids: list[int]) -> None:
    """Send several deliveries; each is claimed on its own, so one failing channel holds up nothing."""
    for pk in delivery_ids:
        delivery_send(delivery_id=pk)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def sweep_deliveries() -> int:
    """Re-enqueue what a lost broker, a dead worker, quiet hours or a backoff left waiting."""
    ids = deliveries_due(timezone.now())
    enqueue_now(ids)
    return len(ids)


def enqueue_now(delivery_ids: list[int]) -> None:
    """Hand deliveries to Celery in small batches; if the broker is down they wait for the sweep."""
    for start in range(0, len(delivery_ids), ENQUEUE_CHUNK):
        if not enqueue(deliver_batch, delivery_ids[start : start + ENQUEUE_CHUNK]):
            return
