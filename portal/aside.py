"""A read of a page that runs beside the rest of it, on a second database connection.

A list page's tab counts are one query that PostgreSQL answers in 1–10 ms while the process waits; the
page's rows, their names and their markup do not depend on them. ``read(sql, params)`` sends such a query
from a thread of the process (one per web worker, with its own connection) and returns at once; the
page asks ``Pending.result()`` when it needs the row, by which time the database has mostly answered.
The first page of 全部 most urgent first reads its bounded running count here too, sent before the page
compiles its tab counts: its rows do depend on that count, but the page has the compiling to do meanwhile.
The thread reads in the order sent, one read at a time.

Only compiled SQL crosses to the thread (the page builds and compiles its query first), so no queryset
is shared between threads. The read runs on the page's own connection instead, before returning:

- on SQLite (the development database), which gains nothing from a second connection;
- inside a transaction (``atomic``, and every test of the suite but those that commit): another
  connection would not see what the transaction wrote;
- when ``settings.READS_ASIDE`` is off (``PORTAL_READS_ASIDE=false``).

The thread's connection follows ``CONN_MAX_AGE`` as the page's does: it is replaced before a read when it
is older or has failed (``close_old_connections``). Each web worker holds one connection more; size
PostgreSQL's ``max_connections`` (and a pooler's) for two per worker."""

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import close_old_connections, connections

# at most this long (seconds) the page waits for the thread to send its query: a read sent behind another
# waits until the first has come back (the tab counts behind the running count, which the page has
# compiled them during and waits for next), and a thread held up past this is waited for at ``result()``
SEND_WAIT = 0.05

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None


class Pending:
    """A row on its way: ``result()`` waits for it and returns it, through the functions ``then`` added."""

    def __init__(self, future: Future, steps: tuple[Callable[[Any], Any], ...] = ()):
        self._future, self._steps = future, steps

    def then(self, step: Callable[[Any], Any]) -> "Pending":
        return Pending(self._future, (*self._steps, step))

    def result(self) -> Any:
        value = self._future.result()
        for step in self._steps:
            value = step(value)
        return value

    @classmethod
    def done(cls, value: Any) -> "Pending":
        future: Future = Future()
        future.set_result(value)
        return cls(future)


def beside(using: str = "default") -> bool:
    """Whether a read would run on a second connection now (see the module's docstring)."""
    connection = connections[using]
    return bool(settings.READS_ASIDE) and connection.vendor == "postgresql" and not connection.in_atomic_block


def read(sql: str, params: Sequence, using: str = "default", *, now: bool = False) -> Pending:
    """The first row of ``sql`` as a dict of its column names (None without a row), read beside the page
    when it may be (``beside``), else (or when the page needs the row ``now``) on the page's connection."""
    if now or not beside(using):
        return Pending.done(_fetch(sql, params, using))
    # the page's execute wrappers (an instrumentation's, a benchmark's) see the read as one of its own
    wrappers = tuple(connections[using].execute_wrappers)
    sent = threading.Event()
    future = _executor().submit(_beside, sql, params, using, wrappers, sent)
    # until the thread has sent the query: the page would otherwise hold the interpreter for up to its switch
    # interval (5 ms) before the thread may run at all
    sent.wait(SEND_WAIT)
    return Pending(future)


def read_query(queryset, *, around: str = "{}", now: bool = False) -> Pending:
    """``read`` of the SQL of ``queryset``, compiled here on the page's thread, written inside ``around``
    (where it has ``{}``: a COUNT over it, say): None, as for no row, when the queryset matches nothing
    without a query (an empty id list)."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return Pending.done(None)
    return read(around.replace("{}", sql, 1), params, using=queryset.db, now=now)


def _fetch(sql: str, params: Sequence, using: str) -> dict[str, Any] | None:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return dict(zip([column[0] for column in cursor.description], row, strict=True)) if row else None


def _beside(sql: str, params: Sequence, using: str, wrappers: tuple, sent: threading.Event) -> dict[str, Any] | None:
    try:
        close_old_connections()  # this thread's connection: replaced when past CONN_MAX_AGE or broken
        with contextlib.ExitStack() as stack:
            for wrapper in wrappers:
                stack.enter_context(connections[using].execute_wrapper(wrapper))
            stack.enter_context(connections[using].execute_wrapper(_Sending(sent)))  # the innermost
            return _fetch(sql, params, using)
    finally:
        sent.set()
        close_old_connections()


class _Sending:
    """An execute wrapper that tells the page the query is about to be sent."""

    def __init__(self, sent: threading.Event):
        self.sent = sent

    def __call__(self, execute, sql, params, many, context):
        self.sent.set()
        return execute(sql, params, many, context)


def _executor() -> ThreadPoolExecutor:
    """The process's reading thread, started on first use (after a fork, the child starts its own)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool, _pool_pid = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-aside"), os.getpid()
        return _pool


def close() -> None:
    """Close the reading thread's connection, if it has one (a test's end, before its database is flushed
    or dropped: PostgreSQL refuses to drop a database another connection holds)."""
    with _lock:
        pool = _pool if _pool_pid == os.getpid() else None
    if pool is not None:
        pool.submit(connections.close_all).result()
