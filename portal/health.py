"""``/healthz``: is this web server fit to take requests? For the load balancer and monitoring.

Answers ``200 {"status": "ok", ...}`` when every check passes, ``503 {"status": "fail", ...}`` otherwise,
with one short word per check and no detail (no host names, no errors): the reasons go to the log.
The core checks the database and the broker; apps add their own checks with ``register`` from their
``AppConfig.ready()`` (the requests app adds the age of the last reminder sweep), so the core never
imports them.

It is answered by a middleware placed first, before host validation, the HTTPS redirect, sessions and
the lockout: the load balancer probes ``http://127.0.0.1:8000/healthz`` directly, without a host name
from ALLOWED_HOSTS and without TLS.
"""

import json
import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpResponse

logger = logging.getLogger(__name__)

PATH = "/healthz"
BROKER_TIMEOUT_SECONDS = 1.0

# name → function that returns None when healthy, or a short reason such as "unreachable" or "stale".
CHECKS: dict[str, Callable[[], str | None]] = {}


def register(name: str, check: Callable[[], str | None]) -> None:
    CHECKS[name] = check


def check_database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return None


def check_broker() -> str | None:
    """PING the Redis broker, giving up after a second (connect and read): a frozen broker must not
    hold the probe."""
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
        retry=None,
    )
    try:
        client.ping()
    finally:
        client.close()
    return None


register("database", check_database)
register("broker", check_broker)


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            reason = check()
        except Exception:  # a probe must answer, whatever broke; the log keeps the details
            logger.warning("health check %s failed", name, exc_info=True)
            reason = "unreachable"
        else:
            if reason:
                logger.warning("health check %s failed: %s", name, reason)
        results[name] = reason or "ok"
    return results


def health_response(request) -> HttpResponse:
    checks = run_checks()
    healthy = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if healthy else "fail", "checks": checks}
    response = HttpResponse(json.dumps(body), content_type="application/json", status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    # The failing checks were logged above as warnings. Without this Django logs every 503 probe as an
    # error of django.request, and with ADMINS set that would be a mail every few seconds.
    response._has_been_logged = True
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            return health_response(request)
        return self.get_response(request)
