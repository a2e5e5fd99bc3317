from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Count, QuerySet, Value
from django.utils import timezone

from portal.statements import Statement

from .delivery import STUCK_AFTER
from .models import Delivery, Notification

# Figures other apps add to the status page: each a callable of ``now`` returning a dict. A domain app
# adds its own in AppConfig.ready() (the reminder sweep's, from issues), so core never imports it.
STATUS_SOURCES: list[Callable[[datetime], dict]] = []


def status_source_add(source: Callable[[datetime], dict]) -> None:
    if source not in STATUS_SOURCES:
        STATUS_SOURCES.append(source)


def _unread(user_id: int) -> QuerySet:
    return (
        Notification.objects.filter(user_id=user_id, read_at__isnull=True)
        .order_by()
        .values(_row=Value(1))
        .annotate(n=Count("pk"))
        .values_list("n")
    )


# the bell's count, on every page: compiled once (portal/statements.py)
_UNREAD = Statement(_unread, ((-1,), (-2,)))


def unread_count(user) -> int:
    return _UNREAD.rows(user.pk)[0][0]


def delivery_counts() -> dict[str, int]:
    counts = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in Delivery.Status.values}


def notification_status(now=None) -> dict:
    """Deliveries by status and those overdue for sending, plus what the apps added to ``STATUS_SOURCES``
    (the last reminder sweep and the stages due but unsent, from issues)."""
    now = now or timezone.now()
    status = {
        "now": now.isoformat(),
        "deliveries": delivery_counts(),
        "deliveries_waiting_over_10_min": Delivery.objects.filter(
            status=Delivery.Status.PENDING, created_at__lt=now - timedelta(minutes=10)
        ).count(),
        "deliveries_stuck_sending": Delivery.objects.filter(
            status=Delivery.Status.SENDING, claimed_at__lt=now - STUCK_AFTER
        ).count(),
        "recent_failures": list(
            Delivery.objects.filter(status=Delivery.Status.FAILED)
            .order_by("-pk")
            .values("pk", "channel", "attempts", "last_error")[:10]
        ),
    }
    for source in STATUS_SOURCES:
        status.update(source(now))
    return status
