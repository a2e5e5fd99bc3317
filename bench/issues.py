"""Benchmarks run by ``manage.py bench`` (and ``manage.py bench_sweep``): one JSON line per target."""

import json
import time
from pathlib import Path

from django.db import connection, models

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


# ---------------------------------------------------------------------------------------------
# queues: the three work lists at 200k+ requests


def _ensure_queue_data(stdout) -> None:
    """Bring synthetic requests up to what the queues read: current_due_at filled, one lead dispatch per
    request that has a lead department (bulk, once)."""
    from django.db import transaction

    from issues.models import Dispatch, DispatchStatus, Status, current_due_expression

    requests = data.bench_requests()
    requests.filter(
        current_due_at__isnull=True, status__in=(Status.SUBMITTED, Status.IN_PROGRESS, Status.INFO_NEEDED)
    ).update(current_due_at=current_due_expression())
    missing = requests.filter(lead_department__isnull=False, dispatches__isnull=True)
    state = {
        Status.IN_PROGRESS: DispatchStatus.ACCEPTED,
        Status.INFO_NEEDED: DispatchStatus.ACCEPTED,
        Status.WITHDRAWN: DispatchStatus.CANCELLED,
    }
    batch = []
    made = 0
    for pk, dept, status, commissioner, assigned, due, answered in missing.values_list(
        "pk", "lead_department_id", "status", "commissioner_id", "assigned_at", "answer_due_at", "answered_at"
    ).iterator(chunk_size=data.BATCH):
        batch.append(
            Dispatch(
                request_id=pk,
                department_id=dept,
                role=Dispatch.Role.LEAD,
                status=state.get(status, DispatchStatus.ANSWERED),
                dispatched_by_id=commissioner,
                dispatched_at=assigned or due,
                answer_due_at=due,
                answered_at=answered,
            )
        )
        if len(batch) == data.BATCH:
            with transaction.atomic():
                Dispatch.objects.bulk_create(batch)
            made += len(batch)
            batch = []
    if batch:
        Dispatch.objects.bulk_create(batch)
        made += len(batch)
    if made:
        stdout.write(f"  {made:,} dispatches\n")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE issues_request; ANALYZE issues_dispatch; ANALYZE orgs_enterprise")


def _time_page(client, url: str, runs: int) -> dict:
    import statistics

    for _warm in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings, counts = [], []
    for _run in range(runs):
        counter = _QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        counts.append(counter.count)
    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "queries": max(counts),
    }


def queues(stdout, n: int = 200_000, runs: int = 30) -> list[dict]:
    """Time the commissioner queue, the department queue and the supervisors' list (default order, overdue
    only, text search) at 50 rows a page through the Django test client; one JSON line per page."""
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from issues.models import Dispatch, DispatchStatus
    from portal.accounts.models import User
    from portal.orgs.models import DepartmentMembership

    try:
        setup_test_environment()
    except RuntimeError:
        pass  # already set up (running under the test runner)
    data.ensure(max(n, 200_000), 20_000, reuse=True, stdout=stdout)
    _ensure_queue_data(stdout)
    # the busiest people: the commissioner and the department with the most open work
    commissioner = User.objects.get(username="bench-commissioner-0")
    busiest = (
        Dispatch.objects.filter(
            status__in=(DispatchStatus.PENDING, DispatchStatus.ACCEPTED),
            request__region__path__startswith=f"/{data.CITY_CODE}/",
        )
        .values("department_id")
        .annotate(n=models.Count("pk"))
        .order_by("-n")
        .first()
    )
    handler = (
        DepartmentMembership.objects.filter(
            department_id=busiest["department_id"], kind=DepartmentMembership.Kind.HANDLER
        )
        .first()
        .user
    )
    supervisor = User.objects.get(username="bench-supervisor-0")  # the whole benchmark city
    pages = [
        ("commissioner_queue", commissioner, "issues:queue"),
        ("department_queue", handler, "issues:department_queue"),
        ("supervisor_list", supervisor, "issues:supervisor_list"),
    ]
    variants = [
        ("default", "size=50"),
        ("overdue", "size=50&overdue=on"),
        ("text_search", "size=50&tab=all&q=%E5%9F%BA%E5%87%86%E8%AF%89%E6%B1%821999"),
    ]  # 基准诉求1999
    results = []
    for name, user, url_name in pages:
        client = Client()
        client.force_login(user)
        for variant, query in variants:
            result = {
                "target": "queues",
                "page": f"{name}:{variant}",
                **_time_page(client, f"{reverse(url_name)}?{query}", runs),
                "requests": data.bench_requests().count() if not results else results[0]["requests"],
                "vendor": connection.vendor,
            }
            results.append(result)
            stdout.write(json.dumps(result) + "\n")
    return results
