"""Each definition a supervisor signs, pinned on hand-built requests (the month of conftest.py)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from issues import services as s
from issues.models import Card, Request
from supervision import services
from supervision.metrics import half_up, ratio, shown
from supervision.models import RankingEntry, RankingSnapshot, RankingWeights
from supervision.ranking import composite_score, ranking_rows
from supervision.selectors import return_visit_requests, supervised_requests

from .conftest import LATER, MARCH, T0, _answer
from .test_figures import figures_for

MONTH = date(2025, 3, 1)


def test_cards_go_to_the_unit_they_were_issued_to_and_count_one_by_one(month, kuiwen, commerce_bureau, housing_bureau):
    # r1 is led by the housing bureau, but its dispatch was late: the card is the commissioner's unit's
    Card.objects.create(request=month.r[1], unit=commerce_bureau, region=kuiwen, kind="yellow", issued_at=LATER)
    # r2 missed its answer deadline twice: two red cards, two penalties
    Card.objects.create(request=month.r[2], unit=housing_bureau, region=kuiwen, kind="red", round=1, issued_at=LATER)
    departments = {r["unit_name"]: r for r in ranking_rows("department", MONTH, now=LATER)}
    housing = departments["奎文区住建局"]
    assert housing["red_cards"] == 2  # r2 round 0 and round 1; r5's revoked red does not count
    assert housing["yellow_cards"] == 1  # r5's, issued to the housing bureau; not r1's
    units = {r["unit_name"]: r for r in ranking_rows("commissioner_unit", MONTH, now=LATER)}
    assert units["奎文区商务局"]["yellow_cards"] == 1 and units["奎文区商务局"]["red_cards"] == 0
    weights = RankingWeights.current()
    unpenalised = composite_score({**housing, "yellow_cards": 0, "red_cards": 0}, weights)
    assert housing["score"] == unpenalised - weights.yellow_card_penalty - 2 * weights.red_card_penalty


def test_the_last_verdict_stands_until_a_new_one(month, alice, bob, chris, dave, housing_bureau):
    """Rated 不满意, answered again, closed unevaluated: it counts as 不满意 and is called back."""
    _, before = figures_for(dave)
    with time_machine.travel(T0, tick=False):
        req = s.request_submit(
            actor=alice,
            enterprise=alice.enterprise_memberships.first().enterprise,
            category=month.category,
            title="诉求8",
            description="说明",
        )
        s.request_dispatch(req_id=req.pk, actor=bob, lead=housing_bureau)
        _answer(req, chris)
        s.request_evaluate(req_id=req.pk, actor=alice, verdict="dissatisfied", comment="没解决")
        _answer(req, chris)
    s.request_close_unevaluated(req_id=req.pk, now=LATER)
    services.stats_refresh(now=LATER, full=True)
    _, after = figures_for(dave)
    assert after["evaluated"] == before["evaluated"] + 1
    # (100 + 80 + 80 + 100 + 0) / 5: the 不满意 stands although the request closed unevaluated
    assert after["satisfaction"] == 72.0
    listed = return_visit_requests(supervised_requests(dave)).filter(pk=req.pk)
    assert listed.exists()


def test_reopens_count_every_rejection_beside_the_share_reopened(
    month, alice, bob, chris, dave, housing_bureau, client, at_later
):
    with time_machine.travel(T0, tick=False):
        req = s.request_submit(
            actor=alice,
            enterprise=alice.enterprise_memberships.first().enterprise,
            category=month.category,
            title="诉求9",
            description="说明",
        )
        s.request_dispatch(req_id=req.pk, actor=bob, lead=housing_bureau)
        for _rejection in range(2):  # rejected twice
            _answer(req, chris)
            s.request_evaluate(req_id=req.pk, actor=alice, verdict="dissatisfied", comment="没解决")
        _answer(req, chris)
    services.stats_refresh(now=LATER, full=True)
    _, figures = figures_for(dave)
    assert figures["reopened"] == 2  # r2 and this one, once each
    assert figures["reopens"] == 3  # r2 once, this one twice
    assert figures["answered"] == 6
    assert figures["reopen_rate"] == ratio(2, 6) == 33.3
    client.force_login(dave)
    page = client.get(reverse("supervision:dashboard"), MARCH).content.decode()
    assert 'data-figure="reopens">3<' in page


def test_figures_round_half_up():
    assert half_up(2.05) == Decimal("2.1")
    assert half_up(Decimal("96.25")) == Decimal("96.3")
    assert shown(2.25) == 2.3  # round() would give 2.2
    assert ratio(41, 2000) == 2.1  # 2.05%
    assert ratio(1, 8) == 12.5 and ratio(1, 3) == 33.3 and ratio(0, 0) is None


def test_the_ranking_weighs_unrounded_rates():
    weights = RankingWeights(
        on_time_dispatch=1, on_time_answer=1, resolution=0, satisfaction=0, yellow_card_penalty=0, red_card_penalty=0
    )
    exact = {
        "on_time_dispatch_rate": Decimal(100) / 3 * 2,  # 66.666…
        "on_time_answer_rate": Decimal(100) / 3 * 2,
        "resolution_rate": None,
        "satisfaction": None,
        "yellow_cards": 0,
        "red_cards": 0,
    }
    # rounded first (66.7) the score would be 66.70; weighted first it is 66.67
    assert composite_score(exact, weights) == Decimal("66.67")


def test_a_request_number_uses_the_shanghai_date():
    filed = datetime(2026, 12, 1, 6, 34, tzinfo=ZoneInfo("Asia/Shanghai"))  # 2026-11-30 22:34 UTC
    assert Request(pk=42, submitted_at=filed).reference == "SQ20261201000042"


@pytest.fixture
def published(month):
    with time_machine.travel(datetime(2025, 4, 1, 0, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        return services.ranking_publish(month=MONTH, kind="region")


def test_a_published_ranking_refuses_bulk_updates_and_deletes(published):
    entries = RankingEntry.objects.filter(snapshot=published)
    assert entries.exists()
    with pytest.raises(ValidationError):
        entries.update(score=0)
    entry = entries.first()
    entry.score = 0
    with pytest.raises(ValidationError), transaction.atomic():
        RankingEntry.objects.bulk_update([entry], ["score"])
    with pytest.raises(ValidationError):
        entries.delete()
    with pytest.raises(ValidationError):
        RankingSnapshot.objects.filter(pk=published.pk).update(reason="改")
    assert RankingEntry.objects.filter(snapshot=published, score=0).count() == 0
    draft = RankingSnapshot.objects.create(month=date(2025, 2, 1), kind="region")
    assert RankingSnapshot.objects.filter(pk=draft.pk).update(reason="草稿") == 1  # unpublished: allowed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger lives in PostgreSQL")
def test_the_database_refuses_raw_changes_to_a_published_ranking(published):
    with connection.cursor() as cursor:
        for sql in (
            "UPDATE supervision_rankingentry SET score = 0 WHERE snapshot_id = %s",
            "DELETE FROM supervision_rankingentry WHERE snapshot_id = %s",
            "UPDATE supervision_rankingsnapshot SET reason = 'x' WHERE id = %s",
            "DELETE FROM supervision_rankingsnapshot WHERE id = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic():
                cursor.execute(sql, [published.pk])
    assert RankingEntry.objects.filter(snapshot=published).exclude(score=0).exists()
