"""One-time SMS codes: sending within the rate limits, and checking (expiry, single use, attempts).

A code is six digits, valid for ``CODE_TTL``, used at most once and refused after ``MAX_ATTEMPTS`` wrong
tries. Sends are limited per mobile and per client address (``client_ip``, the one definition of the
client behind the proxy). The message goes through the SMS channel of ``portal.notifications``; the
default channel writes it to the log, so development and tests work offline.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from portal.accounts.clientip import client_ip
from portal.masking import mask_phone
from portal.notifications.channels import channel_backend

from .models import PhoneCode

logger = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
PER_PHONE_PER_HOUR = 5
PER_ADDRESS_PER_HOUR = 20


class TooManyCodes(ValidationError):
    pass


@dataclass
class Recipient:
    """Who an SMS goes to when there is no account yet: the channel only needs ``pk`` and ``phone``."""

    phone: str
    pk: int | None = None


def _hash(phone: str, code: str) -> str:
    return salted_hmac("portal.onboarding.codes", f"{phone}:{code}", algorithm="sha256").hexdigest()


def sms_send(*, phone: str, text: str, user=None) -> None:
    """Send one SMS now through the configured SMS channel (a code must not wait for quiet hours to end)."""
    recipient = user if user is not None else Recipient(phone=phone)
    channel_backend("sms").send(user=recipient, title=text, body="", url="", idempotency_key="")


def check_send_allowed(*, phone: str, address: str | None, now) -> None:
    """Raise ``TooManyCodes`` with the message to show when this mobile or this address has had enough codes."""
    recent = PhoneCode.objects.filter(created_at__gte=now - timedelta(hours=1))
    if recent.filter(recipient=phone, created_at__gte=now - RESEND_AFTER).exists():
        raise TooManyCodes(_("A code was sent to this mobile less than a minute ago. Please wait a moment."))
    if recent.filter(recipient=phone).count() >= PER_PHONE_PER_HOUR:
        raise TooManyCodes(_("Too many codes were sent to this mobile. Please try again in an hour."))
    if address and recent.filter(client_ip=address).count() >= PER_ADDRESS_PER_HOUR:
        raise TooManyCodes(_("Too many codes were requested from your network. Please try again in an hour."))


def code_send(*, purpose: str, phone: str, request, deliver: bool = True) -> None:
    """Record a new code for ``phone`` and text it (unless ``deliver`` is False: a reset for a mobile
    without an account is recorded and counted the same way, but nothing is sent)."""
    now = timezone.now()
    address = client_ip(request)
    check_send_allowed(phone=phone, address=address, now=now)
    code = f"{secrets.randbelow(10**6):06d}"
    PhoneCode.objects.create(
        purpose=purpose,
        recipient=phone,
        code_hash=_hash(phone, code) if purpose != PhoneCode.Purpose.RESET_EMAIL else "",
        client_ip=address,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    if deliver:
        text = _("Your verification code is %(code)s. It is valid for 10 minutes; do not share it.") % {"code": code}
        sms_send(phone=phone, text=text)
    logger.info("%s code for %s (delivered: %s)", purpose, mask_phone(phone), deliver)


def record_send(*, purpose: str, phone: str, request) -> None:
    """Count a message that carries no code (an invitation link) against the same limits."""
    now = timezone.now()
    PhoneCode.objects.create(
        purpose=purpose, recipient=phone, client_ip=client_ip(request), created_at=now, expires_at=now
    )


@transaction.atomic
def code_use(*, purpose: str, phone: str, code: str) -> bool:
    """Use the newest valid code of ``phone`` for ``purpose``; True once for the right code, False otherwise."""
    now = timezone.now()
    row = (
        PhoneCode.objects.select_for_update()
        .filter(purpose=purpose, recipient=phone, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if row is None or row.attempts >= MAX_ATTEMPTS:
        return False
    if not constant_time_compare(row.code_hash, _hash(phone, (code or "").strip())):
        row.attempts += 1
        row.save(update_fields=["attempts"])
        return False
    return bool(PhoneCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now))
