"""Creating notifications: the in-app row is written in the caller's transaction, external deliveries
are queued for after the commit. A lost broker loses nothing: pending deliveries stay in the table and
the delivery sweep picks them up again."""

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from .models import Delivery, Notification

logger = logging.getLogger(__name__)


def channels_for(user) -> list[str]:
    channels = ["email"] if user.email else []
    channels += [c for c in (user.notify_channels or []) if c in ("sms", "wecom", "dingtalk")]
    return channels


def enqueue_delivery(delivery_ids: list[int]) -> None:
    """Hand deliveries to Celery after commit; if the broker is down they wait for the sweep."""
    if not delivery_ids:
        return

    def send() -> None:
        from .tasks import deliver

        for pk in delivery_ids:
            try:
                deliver.delay(pk)
            except Exception:  # noqa: BLE001 — any broker failure: the sweep retries from the table
                logger.warning("broker unavailable; delivery %s left for the sweep", pk, exc_info=True)
                return

    transaction.on_commit(send)


def notify(*, users: Iterable, kind: str, title: str, body: str = "", url: str = "", urgent: bool = False,
           dedupe_key: str | None = None) -> list[Notification]:
    """One in-app notification per distinct user, plus a pending delivery per external channel they chose.

    With ``dedupe_key`` a notification exists at most once per (key, user), however often this is called.
    """
    created: list[Notification] = []
    delivery_ids: list[int] = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        key = f"{dedupe_key}:{user.pk}" if dedupe_key else None
        if key and Notification.objects.filter(dedupe_key=key).exists():
            continue
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    user=user, kind=kind, title=title[:200], body=body, url=url, urgent=urgent, dedupe_key=key
                )
        except IntegrityError:
            continue  # a concurrent caller created it first
        created.append(notification)
        for channel in channels_for(user):
            delivery_ids.append(Delivery.objects.create(notification=notification, channel=channel).pk)
    enqueue_delivery(delivery_ids)
    return created
