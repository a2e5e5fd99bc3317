"""The reminder sweep benchmark of ``manage.py bench_sweep`` on the synthetic city of ``bench.data``."""

import json
import time
from pathlib import Path

from django.db import connection

from issues import reminders

from . import data


def _reset_peak_rss() -> None:
    """Start the peak-RSS counter afresh (Linux), so the figure is the sweep's, not the data build's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def sweep(stdout, n: int = 1_000_000, due: int = 20_000, reuse: bool = True) -> dict:
    """Ensure ``n`` synthetic requests with ``due`` stages due, run one reminder sweep, print the figure."""
    anchor = data.ensure(n, due, reuse=reuse, stdout=stdout)
    expected = sum(reminders.due_counts(anchor).values())
    _reset_peak_rss()
    counter = _QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        run = reminders.sweep(now=anchor)
    seconds = time.perf_counter() - started
    result = {
        "target": "sweep",
        "requests": data.bench_requests().count(),
        "due": expected,
        "sent": sum(run.counts.values()),
        "errors": run.errors,
        "seconds": round(seconds, 2),
        "peak_rss_mb": _peak_rss_mb(),
        "queries": counter.count,
        "vendor": connection.vendor,
    }
    stdout.write(json.dumps(result) + "\n")
    return result
