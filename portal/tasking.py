"""Handing work to Celery without letting a lost or frozen broker stall a web request.

kombu retries a refused connection forever by default, and a broker that accepts connections but
never answers (a stopped process, a full disk, a network black hole) blocks a publish for as long as
the socket waits. Here every publish gets one try over a connection whose connect and every read are
bounded by ``ENQUEUE_TIMEOUT``, without retries. Callers keep their work in the database (pending
deliveries, export jobs), so what could not be sent is picked up later by a periodic sweep."""

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds to connect to the broker, and to wait for each of its replies. A web request that enqueues
# pays at most about this much when the broker is down or frozen (the first failure stops the rest).
ENQUEUE_TIMEOUT = 0.5
# After a failure this process skips publishing for this many seconds: a request that enqueues several
# times pays the timeout once, and a web worker does not wait on a dead broker request after request.
RETRY_AFTER = 5.0
_unavailable_until = 0.0
# inside ``offline()``: no broker is expected, so nothing is published and nothing is warned about
_offline = False


def broker_state_reset() -> None:
    """Forget a recent failure (tests that switch brokers)."""
    global _unavailable_until
    _unavailable_until = 0.0


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """Publish nothing while the block runs: for commands that write before any broker is started (the
    demo seed, which runs before the portal starts its Redis). The work stays in the database for the
    sweeps, as it would with a lost broker, but without a warning for a broker that was never meant to
    be there."""
    global _offline
    previous, _offline = _offline, True
    try:
        yield
    finally:
        _offline = previous


def publish_connection(app):
    """A broker connection for one short burst of publishes: bounded connect and reads, no retries."""
    return app.connection_for_write(
        connect_timeout=ENQUEUE_TIMEOUT,
        transport_options={
            "socket_connect_timeout": ENQUEUE_TIMEOUT,
            "socket_timeout": ENQUEUE_TIMEOUT,
            "retry_on_timeout": False,
            "max_retries": 0,  # kombu's connection retry: one try only
        },
    )


def enqueue_all(calls: Iterable[tuple]) -> int:
    """Send each ``(task, args, queue)`` over one connection; stop at the first broker failure.

    Returns how many were sent. ``queue`` None means the task's route (``CELERY_TASK_ROUTES``)."""
    global _unavailable_until
    calls = list(calls)
    if not calls:
        return 0
    app = calls[0][0].app
    sent = 0
    try:
        if app.conf.task_always_eager:  # tasks run inline (tests, debugging): no broker, no queues
            for task, args, _queue in calls:
                task.delay(*args)
                sent += 1
            return sent
        if _offline:
            logger.debug("offline; %s left for the sweep", calls[0][0].name)
            return 0
        if time.monotonic() < _unavailable_until:
            logger.warning("broker unavailable a moment ago; %s left for the sweep", calls[0][0].name)
            return 0
        with publish_connection(app) as conn:
            for task, args, queue in calls:
                options = {"queue": queue} if queue else {}
                task.apply_async(args, connection=conn, retry=False, **options)
                sent += 1
    except (BrokerError, RedisError, OSError):
        _unavailable_until = time.monotonic() + RETRY_AFTER
        logger.warning(
            "broker unavailable; %s left for the sweep (%d of %d sent)",
            calls[sent][0].name,
            sent,
            len(calls),
            exc_info=True,
        )
    return sent


def enqueue(task, *args, queue: str | None = None) -> bool:
    """Send ``task(*args)``; False (and a warning in the log) when the broker cannot be reached."""
    return enqueue_all([(task, args, queue)]) == 1


def enqueue_on_commit(task, *args, queue: str | None = None) -> None:
    """Send the task once the caller's transaction has committed (at once outside a transaction)."""
    transaction.on_commit(lambda: enqueue(task, *args, queue=queue))
