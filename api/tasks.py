from celery import shared_task
from django.utils import timezone

from portal.tasking import enqueue_all

from .models import WebhookDelivery
from .webhooks import QUEUE, backoff, webhook_send, webhooks_due

# Explicit names: queued messages and the beat schedule refer to them. Deliveries go to the
# "deliver.webhook" queue (chosen when enqueued, like the notification channels); the sweep runs on the
# periodic queue (portal.celery.route_task).


@shared_task(name="api.tasks.deliver_webhook", acks_late=True, soft_time_limit=30, time_limit=45)
def deliver_webhook(delivery_id: int) -> str:
    """Send one webhook; on failure Celery tries again after the backoff (30 s, 1 min, 2 min … 6 h), up to
    MAX_ATTEMPTS; the row stays waiting meanwhile, so the sweep also finds it if the message is lost."""
    outcome = webhook_send(delivery_id=delivery_id)
    if outcome == "retry":
        attempts = WebhookDelivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first() or 1
        deliver_webhook.apply_async((delivery_id,), countdown=backoff(attempts).total_seconds(), queue=QUEUE)
    return outcome


@shared_task(name="api.tasks.sweep_webhooks", acks_late=True, soft_time_limit=120, time_limit=180)
def sweep_webhooks() -> int:
    """Send again what a lost broker or a dead worker left waiting."""
    ids = webhooks_due(timezone.now())
    enqueue_all((deliver_webhook, (pk,), QUEUE) for pk in ids)
    return len(ids)
