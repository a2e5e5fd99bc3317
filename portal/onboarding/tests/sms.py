"""An SMS channel for tests that keeps what it was handed, so a test can read the code a user received."""

import re

from portal.notifications.channels import LogChannel

OUTBOX: list[tuple[str, str]] = []


class OutboxChannel(LogChannel):
    def send(self, *, user, title, body, url, idempotency_key=""):
        OUTBOX.append((user.phone, title))


def last_code(phone: str) -> str:
    texts = [text for to, text in OUTBOX if to == phone]
    return re.search(r"\d{6}", texts[-1]).group(0)


def texts_to(phone: str) -> list[str]:
    return [text for to, text in OUTBOX if to == phone]
