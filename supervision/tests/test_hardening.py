"""Review findings on the supervision pages: extreme dates and months never make a 500, ledgers never carry
formulas, the policy-issue form rejects bad ids and foreign ``next`` URLs, and a district supervisor's ranking
draft counts only requests of her district."""

import io
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils.http import urlencode
from openpyxl import load_workbook

from issues import services as s
from issues.models import Category
from knowledge.models import Entry

from .conftest import MARCH, SHANGHAI

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
FORMULA = '=HYPERLINK("http://x/","a")'
DATE_MESSAGE = "Enter a date between 2000-01-01 and 2100-12-31."


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def _sheet(response):
    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content)).active


# ---------------------------------------------------------------------------------------------
# formula injection


def test_a_formula_like_title_is_exported_as_text(client, acme, alice, dora):
    s.request_submit(actor=alice, enterprise=acme, category=Category.objects.first(), title=FORMULA, description="说明")
    client.force_login(dora)
    sheet = _sheet(client.post(reverse("supervision:export", args=["drill"]) + "?metric=received"))
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s"
    assert cell.value == "'" + FORMULA


# ---------------------------------------------------------------------------------------------
# extreme dates and months

EXTREMES = [
    {"period": "custom", "from": "0001-01-01", "to": "0001-01-02"},
    {"period": "custom", "from": "9999-12-01", "to": "9999-12-31"},
    {"period": "custom", "from": "2025-01-01", "to": "9999-12-31"},
    {"period": "custom", "from": "1999-12-31", "to": "2025-01-01"},
]


@pytest.mark.parametrize("params", EXTREMES)
@pytest.mark.parametrize("name", ["dashboard", "common", "drill", "accountability", "return_visits"])
def test_dates_out_of_range_fall_back_to_this_year_with_a_message(client, dora, name, params):
    client.force_login(dora)
    response = client.get(reverse(f"supervision:{name}"), params)
    assert response.status_code == 200
    assert DATE_MESSAGE in _messages(response)


@pytest.mark.parametrize("params", EXTREMES)
@pytest.mark.parametrize("kind", ["drill", "accountability", "common", "dashboard", "return_visits"])
def test_exports_with_dates_out_of_range_do_not_fail(client, dora, kind, params):
    client.force_login(dora)
    response = client.post(f"{reverse('supervision:export', args=[kind])}?{urlencode(params)}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12", "2101-01", "2025-²"])
def test_a_draft_month_outside_the_years_shows_this_month_with_a_message(client, dora, month):
    client.force_login(dora)
    response = client.get(reverse("supervision:ranking_draft"), {"month": month})
    assert response.status_code == 200
    assert "Give the month as YYYY-MM, between 2000-01 and 2100-12" in _messages(response)


def test_the_published_ranking_tolerates_a_far_month(client, dora):
    response = client.get(reverse("supervision:ranking"), {"month": "9999-12"})
    assert response.status_code == 200
    assert "Give the month as YYYY-MM" in _messages(response)


# ---------------------------------------------------------------------------------------------
# marking a policy issue


@pytest.fixture
def group(month, client, dora, at_later):
    client.force_login(dora)
    return client.get(reverse("supervision:common"), MARCH).context["groups"][0]


def _mark(client, group, **extra):
    data = {
        "category": group["category"].pk,
        "industry": group["industry"],
        "region": group["region"].pk,
        "title": "租金补贴",
        "standard_answer": "按市政策申报。",
    }
    data.update(extra)
    return client.post(reverse("supervision:common_mark"), data)


@pytest.mark.parametrize(
    "bad", [{"category": "abc"}, {"region": "abc"}, {"category": "²"}, {"region": "99999999999999999999999"}]
)
def test_marking_with_a_malformed_id_says_the_group_is_gone(client, group, bad):
    response = _mark(client, group, **bad)
    assert response.status_code == 302 and response["Location"] == reverse("supervision:common")
    assert "no longer exists" in _messages(client.get(response["Location"]))
    assert not Entry.objects.exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "http://testserver.evil/"])
def test_marking_never_redirects_off_site(client, group, target):
    response = _mark(client, group, next=target)
    assert response.status_code == 302 and response["Location"] == reverse("supervision:common")
    assert Entry.objects.get().title == "租金补贴"


def test_marking_returns_to_a_local_next(client, group):
    response = _mark(client, group, next="/supervision/common/?period=month")
    assert response["Location"] == "/supervision/common/?period=month"


# ---------------------------------------------------------------------------------------------
# ranking drafts stay in scope


@pytest.fixture
def crossing(acme, alice, bob, carl, globex, housing_bureau, commerce_bureau):
    """March 2025: acme files one request, globex (Fangzi) one; both are led by the Kuiwen housing bureau,
    and carl (globex's commissioner) also sits in the Kuiwen commerce bureau, bob's unit."""
    from portal.orgs import factories as f
    from portal.orgs.models import DepartmentMembership

    f.handler_of(carl, commerce_bureau, DepartmentMembership.Kind.COMMISSIONER)
    gina = f.UserFactory(username="gina", phone="13900000012", is_enterprise_user=True)
    f.member(gina, globex)
    category = Category.objects.order_by("sort_order").first()
    with time_machine.travel(datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        mine = s.request_submit(actor=alice, enterprise=acme, category=category, title="奎文", description="说明")
        theirs = s.request_submit(actor=gina, enterprise=globex, category=category, title="坊子", description="说明")
        s.request_dispatch(req_id=mine.pk, actor=bob, lead=housing_bureau)
        s.request_dispatch(req_id=theirs.pk, actor=carl, lead=housing_bureau)
    return mine, theirs


def _draft(client, user, kind):
    client.force_login(user)
    response = client.get(reverse("supervision:ranking_draft"), {"month": "2025-03", "kind": kind})
    return {row["unit_name"]: row["received"] for row in response.context["rows"]}


@pytest.mark.parametrize("kind, unit", [("department", "奎文区住建局"), ("commissioner_unit", "奎文区商务局")])
def test_a_district_draft_counts_only_requests_of_the_district(client, crossing, dora, dan, dave, kind, unit):
    assert _draft(client, dora, kind) == {unit: 1}  # never globex's Fangzi request
    assert _draft(client, dan, kind) == {}  # the Kuiwen unit is not in Fangzi
    assert _draft(client, dave, kind) == {unit: 2}  # the city sees both
