"""Carrying a notification over one external channel, exactly once per delivery row.

A worker first claims the row with a conditional update (pending → sending): of two workers handed
the same id only one wins. A channel that raises leaves the row pending with a backoff (``not_before``)
and the error recorded, and after ``MAX_ATTEMPTS`` marks it failed; other deliveries never wait on it.
Non-urgent external messages inside quiet hours are deferred to the end of the quiet period.

Each send is bounded by its channel's ``NOTIFICATION_SEND_TIMEOUTS`` (a timed-out send is retried like
a failed one) and carries the delivery's idempotency key, the same on every attempt. The outcome of a
send is recorded with a few retries on a fresh database connection: a message the gateway accepted is
not sent again because the database restarted at that moment.
"""

import logging
import signal
import threading
import time as clock
from contextlib import contextmanager
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F, Q
from django.utils import timezone

from .channels import channel_backend
from .models import Delivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=10)
# Waits (seconds) between tries to record a send's outcome; about 16 s covers a database restart.
RECORD_RETRY_WAITS = (0.2, 0.5, 1, 2, 4, 8)
DEFAULT_SEND_TIMEOUT = 10


class SendTimeout(Exception):
    """A channel did not answer within its send timeout."""


def idempotency_key(delivery_id: int) -> str:
    return f"delivery-{delivery_id}"


def send_timeout(channel: str) -> float:
    return float(getattr(settings, "NOTIFICATION_SEND_TIMEOUTS", {}).get(channel, DEFAULT_SEND_TIMEOUT))


@contextmanager
def time_limit(seconds: float):
    """Raise ``SendTimeout`` in the block after ``seconds`` (an interval timer: the main thread only,
    which is where Celery's prefork and solo workers run tasks; elsewhere the block is not bounded)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise SendTimeout(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _record(delivery_id: int, **fields) -> None:
    """Write the outcome of a send (the row is ours while it is 'sending').

    A broken database connection is closed and the update retried on a fresh one a few times: giving
    up would leave the row 'sending' and the stuck-delivery recovery would send it again."""
    for wait in (*RECORD_RETRY_WAITS, None):
        try:
            Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(**fields)
            return
        except (OperationalError, InterfaceError):
            if wait is None:
                logger.error(
                    "could not record the outcome of delivery %s; it stays 'sending'",
                    delivery_id,
                    extra={"delivery_id": delivery_id},
                )
                raise
            logger.warning(
                "recording delivery %s failed; retrying on a fresh connection in %g s",
                delivery_id,
                wait,
                exc_info=True,
                extra={"delivery_id": delivery_id},
            )
            if not connection.in_atomic_block:
                connection.close()
            clock.sleep(wait)


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
        with time_limit(send_timeout(delivery.channel)):
            channel_backend(delivery.channel).send(
                user=notification.user,
                title=notification.title,
                body=notification.body,
                url=notification.url,
                idempotency_key=idempotency_key(delivery.pk),
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
        _record(
            delivery.pk,
            status=status,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            not_before=None if failed else now + backoff(attempts),
        )
        return status
    _record(delivery.pk, status=Delivery.Status.SENT, sent_at=timezone.now())
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
