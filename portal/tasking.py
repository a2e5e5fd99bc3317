"""Handing work to Celery without letting a lost broker stall a web request.

kombu retries a refused connection forever by default; here the broker gets one try with a short
timeout. Callers keep their work in the database (pending deliveries, export jobs), so what could not
be sent is picked up later by a periodic sweep."""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2


def enqueue(task, *args) -> bool:
    """Send ``task(*args)``; False (and a warning in the log) when the broker cannot be reached."""
    app = task.app
    try:
        if app.conf.task_always_eager:  # tasks run inline (tests, debugging): no broker to reach
            task.delay(*args)
            return True
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT)
            task.apply_async(args, connection=conn, retry=False)
        return True
    except (BrokerError, RedisError, OSError):
        logger.warning("broker unavailable; %s left for the sweep", task.name, exc_info=True)
        return False


def enqueue_on_commit(task, *args) -> None:
    """Send the task once the caller's transaction has committed (at once outside a transaction)."""
    transaction.on_commit(lambda: enqueue(task, *args))
