"""The province generator and the benchmark on a small province: the commands must never rot.

1,500 requests over one year; every target runs (two timed runs each) and prints its line."""

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from bench import scale, targets
from issues.models import Card, Dispatch, Evaluation, Request, RequestEvent
from portal.orgs.models import Enterprise, Pairing, Region
from portal.orgs.validators import validate_credit_code

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

UNTIL = date(2026, 6, 30)


def _generate(**options) -> dict:
    out = io.StringIO()
    args = {"enterprises": 120, "requests": 1500, "years": 1, "seed": 7, "until": UNTIL, "quiet": True, **options}
    call_command("generate_scale", *[f"--{k}={v}" for k, v in args.items() if k != "quiet"], "--quiet", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def _fingerprint() -> list:
    return list(
        Request.objects.order_by("pk").values_list(
            "title", "status", "submitted_at", "answered_at", "verdict", "reopen_count", "region__code"
        )
    )


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
    assert {"ranking_draft", "export_10k", "submit", "reminder_sweep", "figures_rebuild", "figures_refresh"} <= names
    assert "worker_memory" in names
    floor = next(line for line in lines if line["target"] == "floor")
    assert floor["p95_ms"] > 0 and floor["rows"] == 25
    pages = [line for line in lines if "p95_ms" in line and line["target"] != "floor"]
    assert all(line["floor_ratio"] > 0 and line["queries"] > 0 for line in pages)
    assert next(line for line in lines if line["target"] == "request_detail")["events"] >= 6
    assert next(line for line in lines if line["target"] == "export_10k")["rows"] > 0
    if connection.vendor == "postgresql":  # the index review: an index serves every query on the requests
        assert all(line["unindexed"] == [] for line in pages), [p["target"] for p in pages if p["unindexed"]]
    table = out.getvalue().split("\n\n")[-1]
    assert "1,500 requests" in table and ("PASS" in table or "FAIL" in table)
    # the submissions and the sweep were undone
    assert Request.objects.count() == 1500


def test_it_refuses_unknown_targets_and_an_empty_database():
    with pytest.raises(CommandError, match="Unknown targets"):
        call_command("bench", "nonsense")
    with pytest.raises(CommandError, match="generate_scale"):
        call_command("bench", "login", stdout=io.StringIO())
    assert set(targets.OPTIONAL) == {"figures_rebuild"} and scale.CITIES[6][1] == "潍坊市"
