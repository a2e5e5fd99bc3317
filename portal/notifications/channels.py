"""External channels a notification travels over besides the in-app centre.

A channel is a class taking its name, with ``send(*, user, title, body, url)`` that returns when the
message was handed over and raises any exception when it was not; the sender records the error and
retries later. Point ``NOTIFICATION_CHANNEL_BACKENDS`` (settings, or the SMS_BACKEND / WECOM_BACKEND /
DINGTALK_BACKEND variables) at a real gateway's class to plug it in.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from portal.accounts.masking import mask_phone

logger = logging.getLogger(__name__)

EXTERNAL_CHANNELS = ("sms", "wecom", "dingtalk")


class LogChannel:
    """Default SMS / WeCom / DingTalk backend: writes the message to the log."""

    def __init__(self, name: str):
        self.name = name

    def send(self, *, user, title: str, body: str, url: str) -> None:
        logger.info("%s message to user %s (%s): %s", self.name, user.pk, mask_phone(user.phone), title)


class EmailChannel:
    """E-mail through Django's email backend (console in development)."""

    def __init__(self, name: str = "email"):
        self.name = name

    def send(self, *, user, title: str, body: str, url: str) -> None:
        if not user.email:
            logger.info("user %s has no e-mail address any more; nothing sent", user.pk)
            return
        send_mail(title, f"{body}\n\n{url}".strip(), settings.DEFAULT_FROM_EMAIL, [user.email])


def channel_backend(name: str):
    if name == "email":
        return EmailChannel()
    return import_string(settings.NOTIFICATION_CHANNEL_BACKENDS[name])(name)
