"""The outbox: one webhook row per event for each client that filed the request, in the same transaction."""

from django.db import transaction

from issues.models import Source
from portal.tasking import enqueue_all

from .models import Client, WebhookDelivery
from .tasks import deliver_webhook
from .webhooks import QUEUE, TOLD, open311_status


def outbox_write(event) -> None:
    if event.from_status == event.to_status and event.action not in TOLD:
        return
    req = event.request
    if req.source != Source.HOTLINE:  # only work orders filed through the API have a client to tell
        return
    clients = list(Client.objects.filter(user_id=req.created_by_id, is_active=True).exclude(webhook_url=""))
    if not clients:
        return
    payload = {
        "event": event.action,
        "service_request_id": req.pk,
        "work_order_number": req.work_order_number,
        "from_state": event.from_status,
        "state": event.to_status,
        "status": open311_status(event.to_status),
        "at": event.created_at.isoformat(),
    }
    rows = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(client=client, event=event, payload=payload) for client in clients]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: list[int]) -> None:
    enqueue_all((deliver_webhook, (pk,), QUEUE) for pk in ids)
