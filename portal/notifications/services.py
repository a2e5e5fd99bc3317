"""Creating notifications: the in-app row is written in the caller's transaction, external deliveries
are queued for after the commit. A lost broker loses nothing: pending deliveries stay in the table and
the delivery sweep (``sweep_deliveries``) picks them up again."""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .channels import EXTERNAL_CHANNELS
from .delivery import quiet_until
from .models import Delivery, Notification
from .tasks import enqueue_now
from .text import Text, stored

logger = logging.getLogger(__name__)


def channels_for(user) -> list[str]:
    channels = ["email"] if user.email else []
    channels += [c for c in (user.notify_channels or []) if c in EXTERNAL_CHANNELS]
    return channels


def enqueue_delivery(delivery_ids: list[int]) -> None:
    """Enqueue after the caller's transaction commits (at once outside a transaction)."""
    if delivery_ids:
        transaction.on_commit(lambda: enqueue_now(delivery_ids))


def notify_rows(
    *,
    users: Iterable,
    kind: str,
    title: "str | Text",
    body: str = "",
    url: str = "",
    urgent: bool = False,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> tuple[list[Notification], list[int]]:
    """Write the notifications and their deliveries; returns them and the ids of deliveries to send now.

    Nothing is enqueued: ``notify`` does that after commit.
    """
    titled = stored(title)
    people, seen = [], set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        people.append(user)
    if not people:
        return [], []
    keys = {user.pk: f"{dedupe_key}:{user.pk}" if dedupe_key else None for user in people}
    if dedupe_key:
        existing = set(
            Notification.objects.filter(dedupe_key__in=list(keys.values())).values_list("dedupe_key", flat=True)
        )
        people = [user for user in people if keys[user.pk] not in existing]
    rows = [
        Notification(user=user, kind=kind, body=body, url=url[:300], urgent=urgent, dedupe_key=keys[user.pk], **titled)
        for user in people
    ]
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows)
    except IntegrityError:  # a concurrent caller created some of them first: go one by one
        created = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.pk = None
                    row.save(force_insert=True)
            except IntegrityError:
                continue
            created.append(row)
    now = now or timezone.now()
    deferred_until = None if urgent else quiet_until(now)
    status = Delivery.Status.DEFERRED if deferred_until else Delivery.Status.PENDING
    rows = [
        Delivery(notification=n, channel=channel, status=status, not_before=deferred_until)
        for n in created
        for channel in channels_for(n.user)
    ]
    deliveries = Delivery.objects.bulk_create(rows) if rows else []
    return created, [d.pk for d in deliveries if d.status == Delivery.Status.PENDING]


def notify(
    *,
    users: Iterable,
    kind: str,
    title: "str | Text",
    body: str = "",
    url: str = "",
    urgent: bool = False,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """One in-app notification per distinct user, plus a delivery per external channel they chose.

    With ``dedupe_key`` a notification exists at most once per (key, user), however often this is called.
    Non-urgent external deliveries created in quiet hours wait until they end; in-app ones never wait.
    """
    created, delivery_ids = notify_rows(
        users=users, kind=kind, title=title, body=body, url=url, urgent=urgent, dedupe_key=dedupe_key
    )
    enqueue_delivery(delivery_ids)
    return created


def notification_mark_read(*, user, notification_id: int) -> bool:
    """Mark one of the user's own notifications read; False if it is not theirs or already read."""
    return bool(
        Notification.objects.filter(pk=notification_id, user=user, read_at__isnull=True).update(read_at=timezone.now())
    )


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def notify_new_bulk(messages: list[dict], *, now: datetime | None = None) -> list[int]:
    """Many notifications whose dedupe keys are known to be new (the reminder sweep), in two inserts.

    Each message is a dict of ``notify``'s keywords (users, kind, title, body, url, urgent, dedupe_key).
    Returns the ids of the deliveries to enqueue once the caller's transaction has committed.
    """
    now = now or timezone.now()
    rows = []
    for message in messages:
        seen: set[int] = set()
        for user in message["users"]:
            if user is None or user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            key = message.get("dedupe_key")
            rows.append(
                Notification(
                    user=user,
                    kind=message["kind"],
                    **stored(message["title"]),
                    body=message.get("body", ""),
                    url=message.get("url", "")[:300],
                    urgent=message.get("urgent", False),
                    dedupe_key=f"{key}:{user.pk}" if key else None,
                )
            )
    created = Notification.objects.bulk_create(rows) if rows else []
    quiet = quiet_until(now)
    deliveries = [
        Delivery(
            notification=n,
            channel=channel,
            status=Delivery.Status.DEFERRED if quiet and not n.urgent else Delivery.Status.PENDING,
            not_before=None if n.urgent else quiet,
        )
        for n in created
        for channel in channels_for(n.user)
    ]
    deliveries = Delivery.objects.bulk_create(deliveries) if deliveries else []
    return [d.pk for d in deliveries if d.status == Delivery.Status.PENDING]
