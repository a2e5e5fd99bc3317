from celery import shared_task
from django.utils import timezone

from portal.tasking import enqueue_all

from .channels import delivery_queue
from .delivery import deliveries_due, delivery_send
from .models import Delivery

# Deliveries per task: with every send bounded by its channel's timeout (10 s by default) a batch
# ends well inside deliver_batch's time limit.
ENQUEUE_CHUNK = 20

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


def enqueue_now(delivery_ids: list[int]) -> None:
    """Hand deliveries to Celery in small batches, on their channel's queue (a slow SMS gateway holds up
    only SMS); if the broker is down or frozen they wait for the delivery sweep."""
    if not delivery_ids:
        return
    by_channel: dict[str, list[int]] = {}
    for pk, channel in Delivery.objects.filter(pk__in=delivery_ids).order_by("pk").values_list("pk", "channel"):
        by_channel.setdefault(channel, []).append(pk)
    enqueue_all(
        (deliver_batch, (ids[start : start + ENQUEUE_CHUNK],), delivery_queue(channel))
        for channel, ids in by_channel.items()
        for start in range(0, len(ids), ENQUEUE_CHUNK)
    )
