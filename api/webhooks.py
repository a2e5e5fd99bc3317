"""Webhooks: an outbox row per event, written with the state change, and its signed delivery.

A client is told about the requests it filed: every event that changes the state (and the answer and
the evaluation). The row is written by ``outbox_write`` inside the service's transaction (issues calls it
through ``issues.hooks``), so a state change never commits without it, and a client that is down
loses nothing: the row waits, Celery retries with backoff, and the sweep sends what is still waiting.
Each row has its own idempotency key, sent in ``X-Portal-Event-Id``; a row is claimed by a conditional
update before it is sent and marked delivered once the client answered 2xx, so each change goes out once."""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from issues.models import OPEN_STATUSES, EventAction

from .models import WebhookDelivery, WebhookStatus

logger = logging.getLogger(__name__)

QUEUE = "deliver.webhook"
TIMEOUT = 10  # seconds for the client to answer
CLAIM = timedelta(seconds=60)  # longer than TIMEOUT: a worker that died mid-send frees the row after this
MAX_ATTEMPTS = 12
TOLD = {EventAction.ANSWER, EventAction.EVALUATE, EventAction.REOPEN}


def open311_status(state: str) -> str:
    """Open311 knows two states: open while the portal still works on it, closed once answered or ended."""
    return "open" if state in OPEN_STATUSES else "closed"


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 6 hours."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the HMAC-SHA256 of "<timestamp>.<body>" under the client's webhook secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one delivery if it is still waiting and no one else holds it: "sent", "retry", "failed" or "skip"."""
    now = now or timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookStatus.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skip"
    row = WebhookDelivery.objects.select_related("client", "event__request").get(pk=delivery_id)
    # the number is read now: the filing event is written a moment before the number is stored on the request
    payload = {**row.payload, "work_order_number": row.event.request.work_order_number}
    body = json.dumps({"id": str(row.idempotency_key), **payload}, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    http = urllib.request.Request(
        row.client.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Portal-Event-Id": str(row.idempotency_key),
            "X-Portal-Timestamp": timestamp,
            "X-Portal-Signature": sign(row.client.webhook_secret, timestamp, body),
        },
    )
    status, error = None, ""
    try:
        with urllib.request.urlopen(http, timeout=TIMEOUT) as response:  # noqa: S310 (an administrator's URL)
            status = response.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        error = str(getattr(exc, "reason", exc))[:500]
    if status is not None and 200 <= status < 300:
        row.status, row.sent_at, row.last_error = WebhookStatus.SENT, timezone.now(), ""
        outcome = "sent"
    elif row.attempts >= MAX_ATTEMPTS:
        row.status, row.last_error = WebhookStatus.FAILED, error
        outcome = "failed"
        logger.warning("webhook %s to %s given up after %d attempts", row.pk, row.client, row.attempts)
    else:
        row.next_attempt_at, row.last_error = now + backoff(row.attempts), error
        outcome = "retry"
    row.response_status, row.claimed_until = status, None
    row.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at", "response_status", "claimed_until"])
    return outcome


def webhooks_due(now: datetime, limit: int = 500) -> list[int]:
    """Waiting rows whose next attempt has come and that no worker holds (the sweep sends them)."""
    return list(
        WebhookDelivery.objects.filter(status=WebhookStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
