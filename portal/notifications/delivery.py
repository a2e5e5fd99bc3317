"""Carrying a notification over one external channel, exactly once per delivery row.

A worker first claims the row with a conditional update (pending → sending): of two workers handed
the same id only one wins. A channel that raises leaves the row pending with a backoff (``not_before``)
and the error recorded, and after ``MAX_ATTEMPTS`` marks it failed; other deliveries never wait on it.
Non-urgent external messages inside quiet hours are deferred to the end of the quiet period.
"""

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .channels import channel_backend
from .models import Delivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def quiet_until(now: datetime) -> datetime | None:
    """The end of the quiet period ``now`` falls in, or None outside quiet hours (Asia/Shanghai)."""
    start, end = settings.NOTIFICATION_QUIET_HOURS
    local = timezone.localtime(now)
    hour = local.hour
    quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=local.tzinfo)


def _due(now: datetime) -> Q:
    return Q(not_before__isnull=True) | Q(not_before__lte=now)


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one delivery if it is still pending and due; returns its status afterwards."""
    now = now or timezone.now()
    delivery = Delivery.objects.select_related("notification__user").filter(pk=delivery_id).first()
    if delivery is None:
        return "missing"
    notification = delivery.notification
    if not notification.urgent:
        until = quiet_until(now)
        if until is not None:
            Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(
                status=Delivery.Status.DEFERRED, not_before=until
            )
            return Delivery.Status.DEFERRED
    claimed = Delivery.objects.filter(_due(now), pk=delivery.pk, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"  # sent, being sent by another worker, backing off, or deferred
    attempts = delivery.attempts + 1
    try:
        channel_backend(delivery.channel).send(
            user=notification.user, title=notification.title, body=notification.body, url=notification.url
        )
    except Exception as exc:  # noqa: BLE001 — a channel may fail any way; record it and retry later
        failed = attempts >= MAX_ATTEMPTS
        logger.warning(
            "delivery %s over %s failed (attempt %d): %s",
            delivery.pk,
            delivery.channel,
            attempts,
            exc,
            exc_info=True,
            extra={"delivery_id": delivery.pk},
        )
        status = Delivery.Status.FAILED if failed else Delivery.Status.PENDING
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
            status=status,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            not_before=None if failed else now + backoff(attempts),
        )
        return status
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.SENT, sent_at=timezone.now()
    )
    return Delivery.Status.SENT


def deliveries_due(now: datetime, limit: int = 1000) -> list[int]:
    """Ready to send now: pending or deferred past their ``not_before``, and 'sending' rows a dead
    worker left behind. Deferred and stuck rows are put back to pending here."""
    Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Delivery.Status.PENDING
    )
    Delivery.objects.filter(status=Delivery.Status.DEFERRED, not_before__lte=now).update(status=Delivery.Status.PENDING)
    # Skip rows created a moment ago: their own after-commit enqueue is on its way.
    return list(
        Delivery.objects.filter(_due(now), status=Delivery.Status.PENDING, created_at__lte=now - timedelta(seconds=30))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
