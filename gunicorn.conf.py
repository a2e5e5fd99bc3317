"""gunicorn settings for the portal's web process: ``gunicorn -c gunicorn.conf.py portal.wsgi``.

Bound to loopback: nginx on the same server is the only client (deploy/nginx/portal.conf), and it
passes the client's address in X-Forwarded-For and X-Real-IP. Command-line options override these,
which is how ``manage.py run_portal --gunicorn --host/--port`` chooses the address.

Environment: GUNICORN_BIND, GUNICORN_WORKERS (or WEB_CONCURRENCY), GUNICORN_TIMEOUT, TRUSTED_PROXIES.
"""

import ipaddress
import multiprocessing
import os

wsgi_app = "portal.wsgi:application"

bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
# Synchronous workers: about two per core plus one. Raise them rather than threads.
workers = int(
    os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1
)

# A request that takes longer is killed and logged; slow work (exports, sweeps) runs in Celery.
# nginx's proxy_read_timeout is a little longer, so gunicorn's timeout is the one that fires.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # heartbeat files in memory, not on a disk that may stall


def post_worker_init(worker) -> None:
    """The worker has loaded the portal: keep what it loaded out of the garbage collector's full passes."""
    from portal.warm import freeze_loaded

    freeze_loaded()


def _loopback_or_addresses(entries: list[str]) -> list[str]:
    """gunicorn trusts single addresses only: keep single addresses from TRUSTED_PROXIES, and the
    loopback addresses its networks cover (nginx connects from loopback)."""
    allowed: list[str] = []
    for entry in entries:
        network = ipaddress.ip_network(entry, strict=False)
        if network.num_addresses == 1:
            candidates = [str(network.network_address)]
        else:
            candidates = [a for a in ("127.0.0.1", "::1") if ipaddress.ip_address(a) in network]
        allowed += [a for a in candidates if a not in allowed]
    return allowed


# Which peers may tell gunicorn the scheme (X-Forwarded-Proto); the same proxies the portal trusts for
# the client's address (TRUSTED_PROXIES in portal/settings.py, loopback by default).
forwarded_allow_ips = ",".join(
    _loopback_or_addresses(
        [e.strip() for e in os.environ.get("TRUSTED_PROXIES", "127.0.0.0/8,::1").split(",") if e.strip()]
    )
)

# One line per request to stdout (journald): the client's address as nginx forwarded it, then the
# proxy's. The path is logged without its query string, which may hold search terms about people.
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s via %(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
