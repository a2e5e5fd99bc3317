"""The province generator and the benchmark on a small province: the commands must never rot.

1,500 requests over one year; every target runs (two timed runs each) and prints its line. On
PostgreSQL the pages also run over HTTP from gunicorn, with two small steps of the mixed workload."""

import io
import json
import os
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from bench import scale, targets
from issues import queues
from issues.models import Card, Dispatch, Evaluation, Request, RequestEvent, Visit
from portal.orgs.models import Enterprise, Pairing, Region
from portal.orgs.validators import validate_credit_code
from projects.models import ProgressReport, Project, period_of
from supervision.models import RankingEntry, RankingSnapshot

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

UNTIL = date(2026, 6, 30)


def _generate(**options) -> dict:
    out = io.StringIO()
    args = {"enterprises": 120, "requests": 1500, "years": 1, "seed": 7, "until": UNTIL, "quiet": True, **options}
    call_command("generate_scale", *[f"--{k}={v}" for k, v in args.items() if k != "quiet"], "--quiet", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def _fingerprint() -> list:
    requests = Request.objects.order_by("pk").values_list(
        "title", "status", "submitted_at", "answered_at", "verdict", "reopen_count", "region__code"
    )
    reports = ProgressReport.objects.order_by("pk").values_list("project__name", "period_start", "filed_at", "on_time")
    visits = Visit.objects.order_by("pk").values_list("project__name", "commissioner__username", "visited_on")
    return [list(requests), list(reports), list(visits)]


def test_it_builds_a_province_with_the_whole_lifecycle():
    counts = _generate()
    assert counts["issues_request"] == Request.objects.count() == 1500
    assert Region.objects.filter(level=Region.Level.CITY).count() == 10
    assert Region.objects.filter(level=Region.Level.DISTRICT, code__startswith="3707").count() == 12
    for code in Enterprise.objects.values_list("credit_code", flat=True)[:50]:
        validate_credit_code(code)  # raises on an invalid code
    assert Pairing.objects.filter(role="A").count() == Enterprise.objects.count() == 120
    statuses = set(Request.objects.values_list("status", flat=True))
    assert {"submitted", "in_progress", "answered", "closed", "withdrawn"} <= statuses
    assert Request.objects.filter(reopen_count__gt=0).exists()
    assert Evaluation.objects.filter(verdict="dissatisfied", round=0).exists()
    assert Dispatch.objects.filter(role="co").exists() and Card.objects.exists()
    assert RequestEvent.objects.count() > 3 * 1500
    # a request's current deadline is kept as the model keeps it
    req = Request.objects.filter(status="submitted").first()
    assert req.current_due_at == req.assign_due_at
    # key projects: half-monthly reports of this year (a few late) and their A角's weekly visits
    assert counts["projects_progressreport"] == ProgressReport.objects.count() > 0
    assert counts["issues_visit"] == Visit.objects.count() > 0
    assert set(ProgressReport.objects.values_list("on_time", flat=True)) == {True, False}
    for report in ProgressReport.objects.select_related("project")[:50]:
        assert (report.period_start, report.period_end) == period_of(report.period_start)
        assert report.period_start.year == UNTIL.year and report.period_end < UNTIL
        assert report.filed_by_id in set(report.project.commissioners.values_list("pk", flat=True))
    visit = Visit.objects.select_related("project").first()
    assert visit.project.enterprise_id == visit.enterprise_id and visit.visited_on <= UNTIL
    assert not ProgressReport.objects.filter(project__stage=Project.Stage.COMPLETED).exists()
    reported = Project.objects.exclude(reported_through=None).first()
    assert reported.reported_through == reported.reports.order_by("-period_end").first().period_end
    # ids continue after the load: the ORM can add rows
    Region.objects.create(code="379901", name="测试区", level=Region.Level.DISTRICT)


def test_the_same_seed_gives_the_same_data():
    with transaction.atomic():
        _generate(requests=400, enterprises=40)
        first = _fingerprint()
        transaction.set_rollback(True)
    _generate(requests=400, enterprises=40)
    assert _fingerprint() == first
    with pytest.raises(CommandError, match="already loaded"):
        _generate(requests=10)


def test_every_target_runs_and_prints_its_line():
    _generate()
    out = io.StringIO()
    call_command("bench", "--runs", "2", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    names = {line["target"] for line in lines}
    assert {"floor", "login", "my_requests", "request_detail", "city_dashboard", "district_dashboard"} <= names
    assert {"commissioner_queue:search", "department_queue:default", "supervisor_list:overdue"} <= names
    assert {"province_list:default", "province_list:overdue", "district_list:search"} <= names
    assert {"supervisor_list:search_absent_pair", "province_list:search_common_pair"} <= names
    assert {"ranking_draft", "export_10k", "submit", "reminder_sweep", "figures_rebuild", "figures_refresh"} <= names
    assert {"ranking_publish", "timings_refresh"} <= names
    assert "worker_memory" in names
    floor = next(line for line in lines if line["target"] == "floor")
    assert floor["p95_ms"] > 0 and floor["rows"] == 25
    pages = [line for line in lines if "p95_ms" in line and line["target"] != "floor"]
    assert all(line["floor_ratio"] > 0 and line["queries"] > 0 for line in pages)
    # the lists are judged by a floor timed just before each of them
    lists = [line for line in pages if "× floor" in line["budget"]]
    assert lists and all(line["floor_p95_ms"] > 0 for line in lists)
    assert all(line["floor_ratio"] == round(line["p95_ms"] / line["floor_p95_ms"], 1) for line in lists)
    assert next(line for line in lines if line["target"] == "request_detail")["events"] >= 6
    assert next(line for line in lines if line["target"] == "export_10k")["rows"] > 0
    if connection.vendor == "postgresql":  # the index review: an index serves every query on the requests
        assert all(line["unindexed"] == [] for line in pages), [p["target"] for p in pages if p["unindexed"]]
    table = out.getvalue().split("\n\n")[-1]
    assert "1,500 requests" in table and ("PASS" in table or "FAIL" in table)
    timings = next(line for line in lines if line["target"] == "timings_refresh")
    assert timings["rows"] == 300 and timings["queries"] > 0 and "timings_rebuild" not in names  # loaded
    publish = next(line for line in lines if line["target"] == "ranking_publish")
    assert publish["rows"] > 0 and publish["month"] == "2026-05" and publish["queries"] > 0
    # the submissions, the sweep and the publication were undone
    assert Request.objects.count() == 1500
    assert not RankingSnapshot.objects.exists() and not RankingEntry.objects.exists()


def test_the_list_sweep_tries_every_tab_and_order_of_each_list(monkeypatch):
    """One line per list over every tab and order (one page size here, to keep the test short), with the
    worst combination named; only when asked for."""
    _generate()
    monkeypatch.setattr(targets, "SWEEP_SIZES", (25,))
    out = io.StringIO()
    call_command("bench", "list_sweep", "--runs", "2", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    sweeps = [line for line in lines if line["target"].startswith("list_sweep:")]
    assert [line["target"] for line in sweeps] == [f"list_sweep:{name}" for name, _person, _url in targets.SWEEP_LISTS]
    combinations = len(queues.TAB_KEYS) * len(queues.SORTS)
    for line in sweeps:
        assert line["rows"] == combinations and line["runs_each"] == 1
        tab, sort, size = line["worst"].split("/")
        assert tab in queues.TAB_KEYS and sort in dict(queues.SORTS) and size == "25"
        assert line["worst_ms"] >= line["p95_ms"] >= line["median_ms"] > 0
        assert line["pass"] == (line["over_budget"] == []) and line["budget"] == "each ≤ 80 ms"
        if connection.vendor == "postgresql":
            assert line["unindexed"] == []
    assert "list_sweep" not in targets.TARGETS  # not among every target's


def test_it_refuses_unknown_targets_and_an_empty_database():
    with pytest.raises(CommandError, match="Unknown targets"):
        call_command("bench", "nonsense")
    with pytest.raises(CommandError, match="generate_scale"):
        call_command("bench", "login", stdout=io.StringIO())
    assert set(targets.OPTIONAL) == {"figures_rebuild", "list_sweep"} and scale.CITIES[6][1] == "潍坊市"


def _children_named(word: str) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == os.getpid():
                if word in (stat.parent / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.django_db(transaction=True)  # gunicorn's workers read the rows: they must be committed
def test_the_pages_and_a_mixed_workload_run_over_http_from_gunicorn():
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (":memory:" in name or "mode=memory" in name):
        pytest.skip("gunicorn cannot open an in-memory SQLite database (runs on PostgreSQL)")
    _generate(enterprises=60, requests=600)
    out = io.StringIO()
    call_command(
        "bench",
        "login",
        "my_requests",
        "queues",
        "submit",
        "memory",
        "--http",
        "--runs",
        "2",
        "--users",
        "1,3",
        "--requests-per-user",
        "8",
        "--workers",
        "2",
        stdout=out,
    )
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    pages = {line["target"]: line for line in lines if "p95_ms" in line}
    assert {"floor", "login", "my_requests", "commissioner_queue:search", "submit"} <= set(pages)
    assert pages["floor"]["rows"] == 25 and pages["my_requests"]["rows"] > 0
    assert pages["my_requests"]["queries"] is None  # run in gunicorn, not here
    steps = [line for line in lines if line["target"] == "load"]
    assert [s["users"] for s in steps] == [1, 3] and [s["requests"] for s in steps] == [8, 24]
    assert all(s["errors"] == 0 and s["throughput_rps"] > 0 and s["p95_ms"] >= s["p50_ms"] > 0 for s in steps)
    knee = next(line for line in lines if line["target"] == "load_knee")
    assert knee["p95_limit_ms"] == 300
    memory = next(line for line in lines if line["target"] == "worker_memory")
    assert 20 < memory["peak_rss_mb"] < 1000  # a gunicorn worker's, not this process's
    text = out.getvalue()
    assert "pages through the HTTP of gunicorn" in text and "mixed workload over HTTP" in text
    assert "p95 crossed 300 ms" in text or "p95 stayed under 300 ms" in text
    assert Request.objects.count() == 600  # the submissions were deleted
    assert _children_named("gunicorn") == []  # stopped at the end


def test_users_need_http():
    with pytest.raises(CommandError, match="--http"):
        call_command("bench", "--users", "2", stdout=io.StringIO())


def test_the_stored_working_hours_are_those_the_beat_job_counts():
    from supervision.models import RequestTiming
    from supervision.services import timings_refresh

    counts = _generate(requests=800, enterprises=60)
    columns = ("request_id", "assigned_at", "answered_at", "dispatch_hours", "answer_hours")
    generated = list(RequestTiming.objects.order_by("request_id").values_list(*columns))
    dispatched = Request.objects.filter(assigned_at__isnull=False)
    assert counts["supervision_requesttiming"] == len(generated) == dispatched.count() > 0
    assert (
        RequestTiming.objects.filter(answer_hours__isnull=False).count() == dispatched.exclude(answered_at=None).count()
    )
    assert timings_refresh() == 0  # nothing is stale after the load
    assert timings_refresh(full=True) == len(generated)
    assert list(RequestTiming.objects.order_by("request_id").values_list(*columns)) == generated
    assert any(hours > 0 for _pk, _a, _b, _d, hours in generated if hours)


def test_the_timings_target_counts_them_all_when_there_are_none_then_a_minute_of_changes():
    from supervision.models import RequestTiming

    _generate(requests=600, enterprises=60)
    columns = ("request_id", "assigned_at", "answered_at", "dispatch_hours", "answer_hours")
    generated = list(RequestTiming.objects.order_by("request_id").values_list(*columns))
    RequestTiming.objects.all().delete()
    out = io.StringIO()
    call_command("bench", "timings_refresh", "--runs", "2", stdout=out)
    printed = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    lines = {line["target"]: line for line in printed}
    assert lines["timings_rebuild"]["rows"] == len(generated) > 300
    assert lines["timings_refresh"]["rows"] == 300 and lines["timings_refresh"]["pass"] is not None
    if connection.vendor == "postgresql":
        # an index can find the changed requests (on a few thousand rows the planner may still prefer
        # reading the table; the bench's seq_scans at 1,000,000 requests shows the real plan)
        assert lines["timings_refresh"]["unindexed"] == []
    assert list(RequestTiming.objects.order_by("request_id").values_list(*columns)) == generated
