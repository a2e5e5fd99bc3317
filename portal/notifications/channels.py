"""External channels a notification travels over besides the in-app centre.

A channel is a class taking its name, with ``send(*, user, title, body, url, idempotency_key)`` that
returns when the message was handed over and raises any exception when it was not; the sender records
the error and retries later. ``idempotency_key`` is the same for every attempt of one delivery: a
gateway that supports it can drop a repeat (a send whose outcome could not be recorded is retried).
Each send must answer within ``NOTIFICATION_SEND_TIMEOUTS[channel]`` seconds or it counts as failed.
Point ``NOTIFICATION_CHANNEL_BACKENDS`` (settings, or the SMS_BACKEND / WECOM_BACKEND /
DINGTALK_BACKEND variables) at a real gateway's class to plug it in.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from portal.masking import mask_phone

logger = logging.getLogger(__name__)

EXTERNAL_CHANNELS = ("sms", "wecom", "dingtalk")
DELIVERY_CHANNELS = ("email", *EXTERNAL_CHANNELS)


def delivery_queue(channel: str) -> str:
    """The Celery queue of a channel's deliveries: a slow gateway only holds up its own queue."""
    return f"deliver.{channel}"


class LogChannel:
    """Default SMS / WeCom / DingTalk backend: writes the message to the log."""

    def __init__(self, name: str):
        self.name = name

    def send(self, *, user, title: str, body: str, url: str, idempotency_key: str = "") -> None:
        logger.info(
            "%s message %s to user %s (%s): %s", self.name, idempotency_key, user.pk, mask_phone(user.phone), title
        )


class EmailChannel:
    """E-mail through Django's email backend (console in development)."""

    def __init__(self, name: str = "email"):
        self.name = name

    def send(self, *, user, title: str, body: str, url: str, idempotency_key: str = "") -> None:
        if not user.email:
            logger.info("user %s has no e-mail address any more; nothing sent", user.pk)
            return
        message = EmailMessage(title, f"{body}\n\n{url}".strip(), settings.DEFAULT_FROM_EMAIL, [user.email])
        if idempotency_key:  # one Message-ID for every attempt: mail systems can recognise a repeat
            domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">") or "localhost"
            message.extra_headers["Message-ID"] = f"<{idempotency_key.replace(':', '-')}@{domain}>"
        message.send()


def channel_backend(name: str):
    if name == "email":
        return EmailChannel()
    return import_string(settings.NOTIFICATION_CHANNEL_BACKENDS[name])(name)
