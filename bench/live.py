"""``manage.py bench --http``: the same pages over real HTTP, from gunicorn on 127.0.0.1.

``Gunicorn`` starts the portal's web process with the project's ``gunicorn.conf.py`` (synchronous
workers, its timeouts) on a free loopback port, with ``bench.settings`` (the portal's settings plus the
floor URL, DEBUG off) and the database the benchmark runs on; it is stopped when the run ends, also
on an error. ``HttpClient`` is what the page targets fetch with instead of the test client: a session
cookie made for the user (``Client.force_login``: a session row in the database, as a login makes
one), a CSRF cookie of its own for the POSTs, one connection per request (gunicorn's synchronous
workers close it after each response, as behind nginx).
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils.crypto import get_random_string

ROOT = Path(settings.BASE_DIR)
STARTUP_SECONDS = 60


class Response:
    """What the targets read of a response: the status, the body, the headers (``response["Location"]``)."""

    def __init__(self, status: int, headers: dict[str, str], content: bytes):
        self.status_code = status
        self.headers = headers
        self.content = content

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]


class HttpClient:
    """A signed-in (or anonymous) browser against ``base`` (``127.0.0.1:port``)."""

    def __init__(self, address: tuple[str, int], cookies: dict[str, str] | None = None, timeout: float = 120):
        self.address = address
        self.timeout = timeout
        self.cookies = dict(cookies or {})
        self.csrf = get_random_string(32)  # an unmasked secret: the cookie and the form field carry the same
        self.cookies.setdefault(settings.CSRF_COOKIE_NAME, self.csrf)

    @classmethod
    def signed_in(cls, address: tuple[str, int], user) -> "HttpClient":
        client = Client()
        client.force_login(user)
        return cls(address, {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value})

    def get(self, url: str) -> Response:
        return self._send("GET", url)

    def post(self, url: str, data: dict) -> Response:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.cookies[settings.CSRF_COOKIE_NAME], **data})
        return self._send("POST", url, body.encode(), {"Content-Type": "application/x-www-form-urlencoded"})

    def _send(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        conn = http.client.HTTPConnection(*self.address, timeout=self.timeout)
        try:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, url, body=body, headers={"Cookie": cookie, **(headers or {})})
            raw = conn.getresponse()
            content = raw.read()
            for value in raw.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, content)
        finally:
            conn.close()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """``with Gunicorn(workers=3) as server:`` … ``server.address``; the log is kept for errors."""

    def __init__(self, workers: int = 3):
        self.workers = workers
        self.port = _free_port()
        self.address = ("127.0.0.1", self.port)
        self.process: subprocess.Popen | None = None
        self._previous_sigterm = None
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115

    def __enter__(self) -> "Gunicorn":
        if threading.current_thread() is threading.main_thread():
            # a SIGTERM to the command (timeout, kill) unwinds like Ctrl-C, so gunicorn is stopped too
            self._previous_sigterm = signal.signal(signal.SIGTERM, _raise_interrupt)
        name = connection.settings_dict["NAME"]
        if connection.vendor == "sqlite" and (not name or ":memory:" in str(name) or "mode=memory" in str(name)):
            raise LookupError("--http needs a database another process can open (not an in-memory SQLite).")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "BENCH_DATABASE_NAME": str(name),
            "BENCH_PASSWORD_HASHERS": ",".join(settings.PASSWORD_HASHERS),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "GUNICORN_WORKERS": str(self.workers),
            "PYTHONUNBUFFERED": "1",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--access-logfile",
                "/dev/null",
                "--max-requests",
                "0",  # no recycling in the middle of a measurement
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        probe = HttpClient(self.address, timeout=10)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                if probe.get("/bench/floor/").status_code == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {STARTUP_SECONDS} s:\n{self.tail()}")

    def worker_pids(self) -> list[int]:
        """The master's children (its web workers), read from /proc."""
        if self.process is None:
            return []
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def peak_rss_mb(self) -> float:
        """The largest peak resident size of the web workers (VmHWM), in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return round(max(peaks, default=0.0), 1)

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if getattr(self, "_previous_sigterm", None) is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def __exit__(self, *exc) -> None:
        self.stop()
