"""A page whose budget is a multiple of the floor is judged by the floor measured just before it."""

import io
import time

from bench import targets


def _slow_page():
    time.sleep(0.03)
    return 0


def test_a_page_is_judged_by_the_floor_beside_it_not_the_first(db, monkeypatch):
    ctx = targets.Context(stdout=io.StringIO(), runs=3)
    ctx.floor_p95 = 50.0  # the run's first floor: the machine was slow then
    monkeypatch.setattr(targets, "_floor_beside", lambda ctx: 2.0)  # and fast when the page was timed
    result = targets._measure(ctx, "page", _slow_page, targets.LIST, warm=0)
    assert result["floor_p95_ms"] == 2.0
    assert result["floor_ratio"] == round(result["p95_ms"] / 2.0, 1) > 10
    assert result["pass"] is False  # 30 ms is within 10 × 50 ms, not within 10 × 2 ms


def test_a_budget_without_a_multiple_keeps_the_runs_floor(db, monkeypatch):
    ctx = targets.Context(stdout=io.StringIO(), runs=2)
    ctx.floor_p95 = 4.0
    monkeypatch.setattr(targets, "_floor_beside", lambda ctx: (_ for _ in ()).throw(AssertionError("timed")))
    result = targets._measure(ctx, "job", lambda: 0, targets.Budget(1_000), warm=0)
    assert result["floor_p95_ms"] == 4.0 and result["pass"] is True


def test_the_floors_own_line_is_its_own_reference(db):
    ctx = targets.Context(stdout=io.StringIO(), runs=2)
    result = targets._measure(ctx, "floor", lambda: 0, targets.Budget(), warm=0)
    assert result["floor_p95_ms"] == result["p95_ms"] and result["floor_ratio"] == 1.0
