"""Carrying a notification over one external channel."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.accounts.masking import mask_phone

from .models import Delivery

logger = logging.getLogger(__name__)


class LogChannel:
    """Default SMS / WeCom / DingTalk backend: writes the message to the log."""

    def __init__(self, name: str):
        self.name = name

    def send(self, *, user, title: str, body: str, url: str) -> None:
        logger.info("%s message to user %s (%s): %s", self.name, user.pk, mask_phone(user.phone), title)


def channel_backend(name: str):
    return import_string(settings.NOTIFICATION_CHANNEL_BACKENDS[name])(name)


def delivery_send(*, delivery_id: int) -> None:
    delivery = Delivery.objects.select_related("notification__user").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == Delivery.Status.SENT:
        return
    notification = delivery.notification
    user = notification.user
    if delivery.channel == "email":
        if user.email:
            send_mail(notification.title, f"{notification.body}\n\n{notification.url}".strip(),
                      settings.DEFAULT_FROM_EMAIL, [user.email])
    else:
        channel_backend(delivery.channel).send(user=user, title=notification.title, body=notification.body,
                                               url=notification.url)
    Delivery.objects.filter(pk=delivery.pk).exclude(status=Delivery.Status.SENT).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
    )
