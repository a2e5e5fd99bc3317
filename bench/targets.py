"""The benchmark targets of ``manage.py bench`` on the synthetic province (``manage.py generate_scale``).

Every page is fetched through the Django test client (middleware, sessions, templates: everything but
the socket), first a few times to warm up and then ``runs`` times timed. Each target prints one JSON
line with the median and p95 in milliseconds, the queries of one fetch, the rows it showed or handled,
its ratio to the *floor* measured in the same run (a bare view rendering the 25 newest rows of one
indexed table, ``bench.urls``) and its budget. On PostgreSQL every query a target ran on the requests
table is explained: ``seq_scans`` lists those whose plan reads ``issues_request`` sequentially, and
``unindexed`` those that still do with sequential scans disabled (no index can serve them).
"""

import contextlib
import io
import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice, product
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.template import engines
from django.test import Client, override_settings
from django.test.utils import setup_test_environment
from django.urls import reverse
from django.utils import timezone

from issues import queues, reminders
from issues.models import OPEN_STATUSES, Card, Category, Dispatch, Reminder, Request, RequestEvent, SweepRun
from portal.accounts.models import User
from portal.notifications.models import Notification
from portal.orgs.models import DepartmentMembership, Enterprise
from portal.warm import freeze_loaded

from . import scale

FLOOR_TEMPLATE = engines["django"].from_string(
    "<table>{% for e in rows %}<tr><td>{{ e.pk }}</td><td>{{ e.action }}</td><td>{{ e.created_at }}</td></tr>"
    "{% endfor %}</table>"
)


def floor_view(request):
    """The floor: the 25 newest rows of one indexed table, rendered by a template."""
    rows = list(RequestEvent.objects.order_by("-pk")[:25])
    return HttpResponse(FLOOR_TEMPLATE.render({"rows": rows}))


@dataclass(frozen=True)
class Budget:
    """p95 at most ``ms`` (and at most ``floors`` times the floor, when given); ``None``: no budget."""

    ms: float | None = None
    floors: float | None = None

    def check(self, p95: float, floor: float) -> bool | None:
        if self.ms is None:
            return None
        return p95 <= self.ms and (self.floors is None or p95 <= self.floors * floor)

    def __str__(self) -> str:
        if self.ms is None:
            return "-"
        limit = f"{self.ms / 1000:g} s" if self.ms >= 1000 else f"{self.ms:g} ms"
        return f"≤ {limit}" + (f", ≤ {self.floors:g}× floor" if self.floors else "")


LIST = Budget(80, 10)  # queues, detail and lists


@dataclass
class Context:
    stdout: object
    runs: int
    server: object = None  # the gunicorn of --http (bench.live.Gunicorn), None: the test client
    floor_p95: float = 0.0
    results: list[dict] = field(default_factory=list)
    people: dict = field(default_factory=dict)


class _Recorder:
    def __init__(self, keep: bool):
        self.count = 0
        self.keep = keep
        self.queries: list[tuple[str, tuple]] = []
        self._seen: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        # the first of each statement, the one EXPLAIN reads: a job's thousand batches keep one
        if self.keep and not many and sql not in self._seen and sql.lstrip().upper().startswith("SELECT"):
            if "issues_request" in sql:
                self._seen.add(sql)
                self.queries.append((sql, params))
        return execute(sql, params, many, context)


def _seq_scans(queries: list[tuple[str, tuple]], forced: bool = False) -> list[str]:
    """The queries whose plan reads ``issues_request`` with a sequential scan (PostgreSQL only). With
    ``forced`` the planner is told to avoid sequential scans: one that remains has no index to use,
    whatever the size of the table."""
    if connection.vendor != "postgresql":
        return []
    found, seen = [], set()
    with connection.cursor() as cursor:
        cursor.execute(f"SET enable_seqscan = {'off' if forced else 'on'}")
        try:
            for sql, params in queries:
                if sql in seen:
                    continue
                seen.add(sql)
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0]
                if _has_seq_scan(plan[0]["Plan"] if isinstance(plan, list) else json.loads(plan)[0]["Plan"]):
                    found.append(sql[:160])
        finally:
            cursor.execute("RESET enable_seqscan")
    return found


def _has_seq_scan(node: dict) -> bool:
    if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") == "issues_request":
        return True
    return any(_has_seq_scan(child) for child in node.get("Plans", []))


def _rows_of(response) -> int:
    return len(re.findall(rb"<tr[\s>]", response.content)) if hasattr(response, "content") else 0


def _warm(ctx: Context, fn: Callable, warm: int) -> None:
    """Run ``fn`` before timing it. Over HTTP every gunicorn worker must have served the page (its first
    fetch compiles the templates and resolves the URLs): one by one, the fetches may all land on the
    same worker and a cold one is timed later, so each worker gets ``warm`` fetches sent together."""
    if ctx.server is None or warm == 0:
        for _ in range(warm):
            fn()
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=ctx.server.workers) as pool:
        for future in [pool.submit(fn) for _ in range(warm * ctx.server.workers)]:
            future.result()


def _floor_beside(ctx: Context) -> float:
    """The floor's p95, measured again just before a page whose budget is a multiple of it: the machine's
    speed drifts over a run (other work on a shared host), and a floor timed minutes earlier would judge
    the page by another machine's speed."""
    fetch = _floor_fetch()
    _warm(ctx, fetch, 2)
    timings = []
    for _ in range(ctx.runs):
        started = time.perf_counter()
        fetch()
        timings.append((time.perf_counter() - started) * 1000)
    return _p95(timings)


def _floor_fetch() -> Callable:
    """One fetch of the floor page, by an anonymous client."""
    return _get(_client(), "/bench/floor/")


def _p95(timings: list[float]) -> float:
    timings = sorted(timings)
    return timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]


@dataclass
class _Timed:
    timings: list[float]  # ms, one per run
    queries: int | None  # of the last run (None over HTTP: they ran in gunicorn)
    rows: int  # the last run's
    seq_scans: list[str]  # the index review of the first run's queries (_seq_scans)
    unindexed: list[str]


def _timed(ctx: Context, fn: Callable, runs: int) -> _Timed:
    """Run ``fn`` ``runs`` times, timing each run and counting its queries; the first run's queries on the
    requests are explained."""
    timings, queries, rows = [], 0, 0
    for i in range(runs):
        recorder = _Recorder(keep=i == 0)
        with connection.execute_wrapper(recorder):
            started = time.perf_counter()
            out = fn()
            timings.append((time.perf_counter() - started) * 1000)
        queries = recorder.count if recorder.count or ctx.server is None else None
        rows = out if isinstance(out, int) else _rows_of(out)
        if i == 0:
            scans, unindexed = _seq_scans(recorder.queries), _seq_scans(recorder.queries, forced=True)
    return _Timed(timings, queries, rows, scans, unindexed)


def _emit(ctx: Context, result: dict) -> None:
    """Keep a target's result for the table and print its JSON line."""
    ctx.results.append(result)
    ctx.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    ctx.stdout.flush()


def _measure(ctx: Context, name: str, fn: Callable, budget: Budget, warm: int = 2, runs: int | None = None, **extra):
    # rounded as printed, so the printed ratio is the printed p95 over the printed floor
    floor_p95 = round(_floor_beside(ctx) if budget.floors and ctx.floor_p95 else ctx.floor_p95, 1)
    _warm(ctx, fn, warm)
    timed = _timed(ctx, fn, runs or ctx.runs)
    timings = timed.timings
    p95 = round(_p95(timings), 1)
    if name == "floor":  # its own reference (t_floor, the run's first measurement)
        floor_p95 = p95
    result = {
        "target": name,
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": p95,
        "queries": timed.queries,
        "rows": timed.rows,
        "floor_p95_ms": floor_p95,
        "floor_ratio": round(p95 / floor_p95, 1) if floor_p95 else 1.0,
        "budget": str(budget),
        "pass": budget.check(p95, floor_p95),
        "seq_scans": timed.seq_scans,
        "unindexed": timed.unindexed,
        **extra,
    }
    _emit(ctx, result)
    return result


def _get(client: Client, url: str):
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return fetch


_SERVER = None  # the gunicorn pages are fetched from (--http), set by run()


def _client(user: User | None = None):
    """A client signed in as ``user`` (anonymous without): the test client, or over HTTP with --http."""
    if _SERVER is not None:
        from .live import HttpClient

        return HttpClient.signed_in(_SERVER.address, user) if user else HttpClient(_SERVER.address)
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------
# who and what the pages are measured for


def _people() -> dict:
    """The busiest people of the province (the worst case of each page), found once per run."""
    province = User.objects.get(username="scale-province")
    city = (
        Request.objects.filter(region__path__startswith="/37")
        .values("region__parent__code")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    city_code = city["region__parent__code"] if city else scale.CITIES[0][0]
    district = (
        Request.objects.filter(region__parent__code=city_code)
        .values("region__code")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    busiest_enterprise = (
        Request.objects.values("created_by_id").annotate(n=Count("pk")).order_by("-n").first()["created_by_id"]
    )
    commissioner = (
        Request.objects.filter(status__in=OPEN_STATUSES, commissioner__isnull=False)
        .values("commissioner_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    department = (
        Dispatch.objects.filter(status__in=("pending", "accepted"))
        .values("department_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    handler = DepartmentMembership.objects.filter(
        department_id=department["department_id"], kind=DepartmentMembership.Kind.HANDLER
    ).first()
    long_timeline = (
        Request.objects.filter(reopen_count__gt=0, dispatches__role="co").order_by("-pk").values_list("pk", flat=True)
    ).first() or Request.objects.order_by("-pk").values_list("pk", flat=True).first()
    return {
        "province": province,
        "city": User.objects.get(username=f"scale-city-{city_code}"),
        "district": User.objects.get(username=f"scale-district-{district['region__code']}"),
        "enterprise": User.objects.get(pk=busiest_enterprise),
        "commissioner": User.objects.get(pk=commissioner["commissioner_id"]),
        "handler": handler.user,
        "detail": Request.objects.get(pk=long_timeline),
    }


# ---------------------------------------------------------------------------------------------
# targets


def t_floor(ctx: Context):
    result = _measure(ctx, "floor", _floor_fetch(), Budget())
    ctx.floor_p95 = result["p95_ms"]


def t_login(ctx: Context):
    user = ctx.people["enterprise"]

    def login():
        client = _client()
        response = client.post(reverse("accounts:login"), {"username": user.username, "password": scale.PASSWORD})
        assert response.status_code == 302, response.status_code
        return 0

    _measure(ctx, "login", login, Budget(), warm=1, runs=max(3, ctx.runs // 3))


def t_my_requests(ctx: Context):
    client = _client(ctx.people["enterprise"])
    _measure(ctx, "my_requests", _get(client, reverse("issues:my_requests")), LIST)


def t_detail(ctx: Context):
    req = ctx.people["detail"]
    client = _client(ctx.people["province"])
    events = RequestEvent.objects.filter(request=req).count()
    _measure(ctx, "request_detail", _get(client, reverse("issues:request_detail", args=[req.pk])), LIST, events=events)


QUEUE_VARIANTS = [
    ("default", "size=50"),
    ("overdue", "size=50&overdue=on"),
    ("search", "size=50&tab=all&q=%E7%8E%AF%E8%AF%84%E5%AE%A1%E6%89%B9"),  # 环评审批
    # a term of two characters, which has no trigram: found in no request (the grams indexes answer), and
    # in one request in twelve (more than SHORT_MATCH_LIMIT in a large scope: the newest requests are walked)
    ("search_absent_pair", "size=50&tab=all&q=%E6%B0%A2%E8%83%BD"),  # 氢能
    ("search_common_pair", "size=50&tab=all&q=%E7%94%A8%E5%9C%B0"),  # 用地
    ("closed", "size=50&tab=closed"),  # 已办结, most urgent first: the largest tab
    ("answered_oldest", "size=50&tab=answered&sort=oldest"),  # a state tab in filing order
]


# every list, for the list sweep: (name, person, url)
SWEEP_LISTS = [
    ("my_requests", "enterprise", "issues:my_requests"),
    ("commissioner_queue", "commissioner", "issues:queue"),
    ("department_queue", "handler", "issues:department_queue"),
    ("district_list", "district", "issues:supervisor_list"),
    ("supervisor_list", "city", "issues:supervisor_list"),
    ("province_list", "province", "issues:supervisor_list"),
]
SWEEP_SIZES = queues.PAGE_SIZES
SWEEP_SORTS = [key for key, _label in queues.SORTS]


def t_list_sweep(ctx: Context):
    """Every tab, order and page size of each list, a few runs each (a third of ``--runs``, at least one,
    at most five), for the combination a plan goes wrong on: at a million requests PostgreSQL walked a
    whole-table index for a commissioner's 全部 at 25 rows a page (460 ms) and for a city's 待办 oldest first
    (144 ms), pages the variants of ``queues`` never asked for. One line per list: the median and p95 of the
    combinations' medians, the worst of them, and how many were over 80 ms; it passes when none was."""
    runs = max(1, min(5, ctx.runs // 3))
    for name, person, url_name in SWEEP_LISTS:
        client, url = _client(ctx.people[person]), reverse(url_name)
        medians, scans, unindexed = {}, set(), set()
        for tab, sort, size in product(queues.TAB_KEYS, SWEEP_SORTS, SWEEP_SIZES):
            fetch = _get(client, f"{url}?tab={tab}&sort={sort}&size={size}")
            fetch()
            timed = _timed(ctx, fetch, runs)
            scans.update(timed.seq_scans)
            unindexed.update(timed.unindexed)
            medians[f"{tab}/{sort}/{size}"] = statistics.median(timed.timings)
        worst = max(medians, key=medians.get)
        over = sorted(key for key, ms in medians.items() if ms > LIST.ms)
        p95 = _p95(list(medians.values()))
        result = {
            "target": f"list_sweep:{name}",
            "median_ms": round(statistics.median(medians.values()), 1),
            "p95_ms": round(p95, 1),
            "queries": None,
            "rows": len(medians),  # the combinations
            "floor_p95_ms": ctx.floor_p95,
            "floor_ratio": round(p95 / ctx.floor_p95, 1) if ctx.floor_p95 else 1.0,
            "budget": f"each ≤ {LIST.ms:g} ms",
            "pass": not over,
            "seq_scans": sorted(scans),
            "unindexed": sorted(unindexed),
            "worst": worst,
            "worst_ms": round(medians[worst], 1),
            "over_budget": over,
            "runs_each": runs,
        }
        _emit(ctx, result)


def t_queues(ctx: Context):
    for name, person, url_name in (
        ("commissioner_queue", "commissioner", "issues:queue"),
        ("department_queue", "handler", "issues:department_queue"),
        ("supervisor_list", "city", "issues:supervisor_list"),
        # the busiest district's supervisor: one region, whose rows an index of the province's may walk past
        ("district_list", "district", "issues:supervisor_list"),
        # the province's supervisor: every region's requests, the largest scope a list has
        ("province_list", "province", "issues:supervisor_list"),
    ):
        client = _client(ctx.people[person])
        for variant, query in QUEUE_VARIANTS:
            _measure(ctx, f"{name}:{variant}", _get(client, f"{reverse(url_name)}?{query}"), LIST)


def t_dashboards(ctx: Context):
    url = reverse("supervision:dashboard")
    for name, person, budget in (
        ("city_dashboard", "city", Budget(150)),
        ("district_dashboard", "district", Budget(80)),
        ("province_dashboard", "province", Budget()),
    ):
        client = _client(ctx.people[person])
        _measure(ctx, name, _get(client, f"{url}?period=year"), budget)
    # filtered by source: no stored grain keeps it, so the page counts the city's requests of the year
    client = _client(ctx.people["city"])
    _measure(ctx, "city_dashboard_hotline", _get(client, f"{url}?period=year&source=hotline"), Budget())
    # the key-project dashboard of the whole province (every project: the worst case)
    client = _client(ctx.people["province"])
    _measure(ctx, "project_dashboard", _get(client, reverse("supervision:projects")), Budget())


def t_ranking(ctx: Context):
    client = _client(ctx.people["city"])
    _measure(ctx, "ranking_draft", _get(client, reverse("supervision:ranking_draft")), Budget())


def t_ranking_publish(ctx: Context):
    """The monthly publication the beat task runs (every kind of unit, the whole province) for the last
    complete month, inside a savepoint that is rolled back: published rankings are frozen (model checks
    and, on PostgreSQL, triggers), so undoing them afterwards is not possible, and every run measures
    the same publication."""
    from supervision.ranking import previous_month
    from supervision.services import ranking_publish_month

    newest = Request.objects.order_by("-submitted_at").values_list("submitted_at", flat=True).first()
    month = previous_month(timezone.localdate(newest) if newest else timezone.localdate())

    def publish():
        with transaction.atomic():
            snapshots = ranking_publish_month(month=month)
            rows = sum(s.entries.count() for s in snapshots)
            transaction.set_rollback(True)
        return rows

    _measure(ctx, "ranking_publish", publish, Budget(), warm=1, runs=max(3, ctx.runs // 5), month=f"{month:%Y-%m}")


def t_submit(ctx: Context):
    user = ctx.people["enterprise"]
    client = _client(user)
    enterprise = Enterprise.objects.filter(memberships__user=user).first()
    category = Category.objects.filter(is_active=True).first()
    url = reverse("issues:request_create")
    made = []

    def submit():
        response = client.post(
            url,
            {
                "enterprise": enterprise.pk,
                "category": category.pk,
                "title": "关于电力增容的诉求（基准）",
                "description": "新增生产线需要电力增容，恳请协调解决。",
            },
        )
        assert response.status_code == 302, response.status_code
        made.append(int(re.search(r"/requests/(\d+)/", response["Location"]).group(1)))
        return 1

    try:
        _measure(ctx, "submit", submit, Budget(100))
    finally:  # leave the data set as it was
        Notification.objects.filter(url__in=[reverse("issues:request_detail", args=[pk]) for pk in made]).delete()
        Request.objects.filter(pk__in=made).delete()


def t_export(ctx: Context):
    from supervision.exports import Ledger, build_ledger, write_workbook

    user = ctx.people["province"]
    ledger = build_ledger("drill", user, {"period": "year", "metric": "received"})

    def export():
        rows = Ledger(ledger.title, ledger.headers, min(ledger.count, 10_000), lambda: islice(ledger.rows(), 10_000))
        return write_workbook(rows, io.BytesIO())

    _measure(ctx, "export_10k", export, Budget(15_000), warm=0, runs=1)


def t_sweep(ctx: Context):
    now = timezone.now()
    due = sum(reminders.due_counts(now).values())

    def sweep():
        run = reminders.sweep(now=now)
        return sum(run.counts.values())

    try:
        _measure(ctx, "reminder_sweep", sweep, Budget(60_000), warm=0, runs=1, due=due)
    finally:  # undo what the sweep wrote, so the next run sweeps the same
        since = now - timedelta(seconds=1)
        _delete_in_batches(Reminder.objects.filter(created_at__gte=since))
        _delete_in_batches(Card.objects.filter(issued_at__gte=since))
        _delete_in_batches(RequestEvent.objects.filter(created_at__gte=since, action__endswith="_card"))
        _delete_in_batches(Notification.objects.filter(created_at__gte=since))
        SweepRun.objects.filter(started_at__gte=since).delete()


def _delete_in_batches(rows: QuerySet, size: int = 2000) -> None:
    """Delete through the ORM (its cascades) a few thousand rows at a time: deleting all a sweep wrote at
    once loads every row and took this process past the 300 MB its memory figure is held to."""
    while pks := list(rows.order_by("pk").values_list("pk", flat=True)[:size]):
        rows.model.objects.filter(pk__in=pks).delete()


def t_timings(ctx: Context):
    """The working hours the beat task keeps (``timings_refresh``): a full count when there are none yet,
    then its incremental work after a typical minute, a few hundred requests dispatched or answered
    (their rows are deleted so that each run counts them again)."""
    from supervision.models import RequestTiming
    from supervision.services import timings_refresh

    if not RequestTiming.objects.exists():
        _measure(ctx, "timings_rebuild", lambda: timings_refresh(full=True), Budget(), warm=0, runs=1)
    dispatched = Request.objects.filter(assigned_at__isnull=False).order_by("-submitted_at")
    minute = list(dispatched.values_list("pk", flat=True)[:300])

    def refresh():
        Request.objects.filter(pk__in=minute).update(updated_at=timezone.now())
        RequestTiming.objects.filter(request_id__in=minute).delete()
        return timings_refresh()

    _measure(ctx, "timings_refresh", refresh, Budget(2_000), warm=0, runs=3)


def t_figures(ctx: Context, full: bool = False):
    """The full rebuild of the aggregate tables (when they were never built, or asked for), then the
    incremental refresh the beat task runs every minute."""
    from supervision.models import StatRefresh
    from supervision.services import stats_refresh

    if full or not StatRefresh.objects.filter(as_of__isnull=False).exists():
        _measure(ctx, "figures_rebuild", lambda: stats_refresh(full=True), Budget(60_000), warm=0, runs=1)
    minute = list(Request.objects.order_by("-submitted_at").values_list("pk", flat=True)[:300])

    def refresh():  # a typical minute: a few hundred requests changed
        Request.objects.filter(pk__in=minute).update(updated_at=timezone.now())
        return stats_refresh()

    _measure(ctx, "figures_refresh", refresh, Budget(2_000), warm=0, runs=3)


def t_figures_rebuild(ctx: Context):
    t_figures(ctx, full=True)


def t_memory(ctx: Context):
    """The peak resident size of this process, or with --http of the largest gunicorn worker."""
    peak = ctx.server.peak_rss_mb() if ctx.server is not None else _peak_rss_mb()
    _emit(ctx, {"target": "worker_memory", "peak_rss_mb": peak, "budget": "≤ 300 MB", "pass": peak <= 300})


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# in the order they run: the working hours and then the figures are refreshed before the dashboards
# read them, the sweep and the submissions (which write) after the pages, the memory figure last
TARGETS = {
    "login": t_login,
    "my_requests": t_my_requests,
    "detail": t_detail,
    "queues": t_queues,
    "timings_refresh": t_timings,  # before the figures, which read the working hours
    "figures": t_figures,
    "dashboards": t_dashboards,
    "ranking": t_ranking,
    "ranking_publish": t_ranking_publish,
    "export": t_export,
    "submit": t_submit,
    "sweep": t_sweep,
    "memory": t_memory,
}
OPTIONAL = {"figures_rebuild": t_figures_rebuild, "list_sweep": t_list_sweep}  # only when named


def run(
    stdout,
    targets: list[str] | None = None,
    runs: int = 30,
    *,
    http: bool = False,
    workers: int = 3,
    users: list[int] | None = None,
    per_user: int = 40,
) -> list[dict]:
    """Measure the floor, then each target (all by default); print the JSON lines and the table. With
    ``http`` the pages come from gunicorn on 127.0.0.1 (bench.live); with ``users`` the mixed workload
    (bench.load) runs there for each number of concurrent users, after the targets named (none when
    only ``users`` is asked for)."""
    global _SERVER
    try:
        setup_test_environment()
    except RuntimeError:
        pass  # already set up (under the test runner)
    if not User.objects.filter(username="scale-province").exists():
        raise LookupError("No synthetic province here: run manage.py generate_scale first.")
    every = {**TARGETS, **OPTIONAL}
    if targets:
        chosen = [name for name in every if name in targets]
    else:
        chosen = [] if users else list(TARGETS)
    ctx = Context(stdout=stdout, runs=runs)
    steps = []
    with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False), contextlib.ExitStack() as stack:
        if http:
            from .live import Gunicorn

            ctx.server = _SERVER = stack.enter_context(Gunicorn(workers=workers))
            stack.callback(_forget_server)
        ctx.people = _people()
        freeze_loaded()  # as each web worker does once loaded (gunicorn.conf.py)
        t_floor(ctx)
        for name in chosen:
            every[name](ctx)
        if users:
            from . import load

            steps = load.run_steps(ctx, users, per_user=per_user)
    via = "HTTP of gunicorn" if http else "test client"
    stdout.write("\n" + table(ctx.results, requests=Request.objects.count(), via=via) + "\n")
    if steps:
        from . import load

        stdout.write("\n" + load.table(steps, floor_p95=ctx.floor_p95) + "\n")
    return ctx.results + steps


def _forget_server() -> None:
    global _SERVER
    _SERVER = None


def table(results: list[dict], requests: int, via: str = "test client") -> str:
    head = (
        f"{'target':<32} {'median':>9} {'p95':>9} {'floor':>8} {'×floor':>7} {'queries':>7} {'rows':>6}  "
        f"{'budget':<22} result"
    )
    lines = [f"{requests:,} requests on {connection.vendor}, pages through the {via}", head, "-" * len(head)]
    for r in results:
        if "p95_ms" not in r:
            lines.append(f"{r['target']:<32} {r['peak_rss_mb']:>8} MB peak{'':>35}  {r['budget']:<22} {_verdict(r)}")
            continue
        seq = "  NO INDEX on requests" if r.get("unindexed") else "  seq scan of requests" if r.get("seq_scans") else ""
        lines.append(
            f"{r['target']:<32} {_ms(r['median_ms']):>9} {_ms(r['p95_ms']):>9} {r['floor_p95_ms']:>8} "
            f"{r['floor_ratio']:>7} {'-' if r['queries'] is None else r['queries']:>7} {r['rows']:>6}  "
            f"{r['budget']:<22} {_verdict(r)}{seq}"
        )
    return "\n".join(lines)


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def _verdict(result: dict) -> str:
    return {True: "PASS", False: "FAIL", None: "-"}[result["pass"]]
