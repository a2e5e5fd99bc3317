from celery import shared_task
from django.utils import timezone

from .delivery import deliveries_due, delivery_send
from .services import enqueue_now

# Tasks carry explicit names: queued messages and the beat schedule refer to them by name, so they
# must not change when the code moves. Deliveries go to their channel's queue (``deliver.<channel>``,
# chosen when they are enqueued); the sweep runs on the periodic queue (``portal.celery.route_task``).


@shared_task(name="portal.notifications.tasks.deliver", acks_late=True, soft_time_limit=60, time_limit=90)
def deliver(delivery_id: int) -> None:
    delivery_send(delivery_id=delivery_id)


@shared_task(name="portal.notifications.tasks.deliver_batch", acks_late=True, soft_time_limit=300, time_limit=360)
def deliver_batch(delivery_ids: list[int]) -> None:
    """Send several deliveries; each is claimed on its own, so one failing channel holds up nothing."""
    for pk in delivery_ids:
        delivery_send(delivery_id=pk)


@shared_task(name="portal.notifications.tasks.sweep_deliveries", acks_late=True, soft_time_limit=120, time_limit=180)
def sweep_deliveries() -> int:
    """Re-enqueue what a lost broker, a dead worker, quiet hours or a backoff left waiting."""
    ids = deliveries_due(timezone.now())
    enqueue_now(ids)
    return len(ids)
