from celery import shared_task

from .delivery import delivery_send


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def deliver(delivery_id: int) -> None:
    delivery_send(delivery_id=delivery_id)
