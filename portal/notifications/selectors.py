from datetime import timedelta

from django.apps import apps
from django.db.models import Count
from django.utils import timezone

from .delivery import STUCK_AFTER
from .models import Delivery, Notification


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def delivery_counts() -> dict[str, int]:
    counts = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in Delivery.Status.values}


def notification_status(now=None) -> dict:
    """Last reminder sweep, stages due but unsent, deliveries by status and those overdue for sending.

    The reminder figures come from the issues app when it is installed (read through the app
    registry: core does not import domain apps)."""
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
    if apps.is_installed("issues"):
        from issues.reminders import reminders_status

        status.update(reminders_status(now))
    return status
