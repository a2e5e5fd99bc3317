"""Benchmarks of supervision: the dashboard through the Django test client and the monthly ranking.

The data set comes from ``bench.data`` (one synthetic city, three years of requests). Each
target prints JSON lines: {"target", "page", "median_ms", "p95_ms", "queries", ...}.
"""

import json
import statistics
import time

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import User
from supervision.models import UnitKind
from supervision.ranking import previous_month, ranking_rows

from . import data


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _time(fn, runs: int) -> tuple[list[float], int]:
    fn()  # warm the caches and the connection
    timings, queries = [], 0
    for _ in range(runs):
        counter = _Counter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            fn()
        timings.append((time.perf_counter() - started) * 1000)
        queries = counter.count
    return timings, queries


def _line(stdout, **fields) -> dict:
    stdout.write(json.dumps(fields, ensure_ascii=False) + "\n")
    return fields


def _ensure(n: int, stdout):
    data.ensure(n, 0, reuse=True, stdout=stdout)
    return data


def _received(user, params) -> int:
    from supervision.forms import SupervisionFilterForm
    from supervision.selectors import Scope, dashboard_for, supervised_requests

    filters, _notes = SupervisionFilterForm(params, user=user).filters()
    scope = Scope.of(user)
    base = supervised_requests(user, filters, scope=scope)
    return dashboard_for(base, filters, scope, timezone.now()).figures["received"]


def _stats(stdout, total: int) -> None:
    """Build the aggregate tables if they are missing, then time one incremental refresh (the beat task)."""
    from supervision.models import DailyStat, MonthlyStat, StatRefresh
    from supervision.services import stats_refresh

    if not StatRefresh.objects.filter(as_of__isnull=False).exists():
        started = time.perf_counter()
        days = stats_refresh(full=True)
        _line(
            stdout,
            target="stats",
            page="full rebuild",
            requests=total,
            days=days,
            ms=round((time.perf_counter() - started) * 1000, 1),
            vendor=connection.vendor,
        )
    started = time.perf_counter()
    days = stats_refresh()
    _line(
        stdout,
        target="stats",
        page="incremental refresh",
        requests=total,
        days=days,
        ms=round((time.perf_counter() - started) * 1000, 1),
        daily_rows=DailyStat.objects.count(),
        monthly_rows=MonthlyStat.objects.count(),
        vendor=connection.vendor,
    )


def dashboard(stdout, n: int = 1_000_000, runs: int = 30) -> list[dict]:
    dataset = _ensure(n, stdout)
    total = dataset.bench_requests().count()
    _stats(stdout, total)
    city = User.objects.get(username="bench-supervisor-0")
    district = User.objects.get(username="bench-supervisor-1")
    today = timezone.localdate()
    last_year = {"period": "custom", "from": today.replace(year=today.year - 1).isoformat(), "to": today.isoformat()}
    results = []
    for page, user, params in (
        ("city, this year", city, {"period": "year"}),
        ("city, last 12 months", city, last_year),
        ("district, this year", district, {"period": "year"}),
        ("district, last 12 months", district, last_year),
    ):
        client = Client()
        client.force_login(user)
        url = reverse("supervision:dashboard")

        def get(client=client, url=url, params=params):
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code
            return response

        timings, queries = _time(get, runs)
        received = _received(user, params)
        results.append(
            _line(
                stdout,
                target="dashboard",
                page=page,
                requests=total,
                received=received,
                median_ms=round(statistics.median(timings), 1),
                p95_ms=round(_percentile(timings, 0.95), 1),
                queries=queries,
                vendor=connection.vendor,
            )
        )
    return results


def ranking(stdout, n: int = 1_000_000, runs: int = 10) -> list[dict]:
    dataset = _ensure(n, stdout)
    total = dataset.bench_requests().count()
    month = previous_month(timezone.localdate())
    results = []
    for kind in UnitKind.values:
        timings, queries = _time(lambda kind=kind: ranking_rows(kind, month), runs)
        results.append(
            _line(
                stdout,
                target="ranking",
                page=f"{kind} {month:%Y-%m}",
                requests=total,
                units=len(ranking_rows(kind, month)),
                median_ms=round(statistics.median(timings), 1),
                p95_ms=round(_percentile(timings, 0.95), 1),
                queries=queries,
                vendor=connection.vendor,
            )
        )
    return results
