"""Channels for the fault tests' worker subprocesses: each send appends its idempotency key to the file
named by ``FAULT_CHANNEL_LOG``, so a test can count what a gateway really received."""

import os
import time

from portal.notifications.channels import LogChannel


class FileChannel(LogChannel):
    def send(self, *, user, title, body, url, idempotency_key=""):
        with open(os.environ["FAULT_CHANNEL_LOG"], "a") as log:
            log.write(f"{idempotency_key}\n")


class SlowChannel(FileChannel):
    """A gateway that takes 2 s per message."""

    def send(self, **kwargs):
        time.sleep(2)
        super().send(**kwargs)


def received(path) -> list[str]:
    return path.read_text().split() if path.exists() else []
