"""Every export kind downloaded by every role that may (and refused to every other), opened with openpyxl."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode
from openpyxl import load_workbook

from issues.models import Request
from portal.accounts.models import AuditEvent
from supervision.exports import KINDS, _keyset, in_chunks
from supervision.selectors import accountability_requests
from supervision.services import stats_refresh

from .conftest import MARCH

ROLES = ["anonymous", "alice", "bob", "carol", "dave", "dora", "dan"]
SUPERVISORS = ["dave", "dora", "dan"]
REQUEST_HEADERS = [
    "Reference",
    "Title",
    "Enterprise",
    "Contact",
    "Contact phone",
    "Region",
    "Category",
    "Source",
    "Status",
    "Lead department",
    "Submitted",
    "Dispatch deadline",
    "Dispatched",
    "Answer deadline",
    "Answered",
    "Outcome",
    "Evaluation",
    "Score",
    "Reopened",
]
HEADERS = {
    "drill": REQUEST_HEADERS,
    "accountability": [*REQUEST_HEADERS, "Hours late", "Yellow card", "Red card", "Extensions"],
    "return_visits": [*REQUEST_HEADERS, "Calls", "Last call"],
    "common": ["Category", "Industry", "Region", "Requests", "Previous period", "Policy issue"],
    "dashboard": ["Table", "Name", "Received / value", "Resolved"],
}
PARAMS = {"drill": {**MARCH, "metric": "received"}}

pytestmark = pytest.mark.usefixtures("english")


def _export_url(kind: str) -> str:
    return f"{reverse('supervision:export', args=[kind])}?{urlencode(PARAMS.get(kind, MARCH))}"


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


def _region_of(rows, column):
    return {row[column] for row in rows[1:]}


# role: (rows, regions) of each ledger for March; Kuiwen has r1–r6 (r3 withdrawn), Fangzi r7.
EXPECTED = {
    "drill": {"dave": (6, {"奎文区", "坊子区"}), "dora": (5, {"奎文区"}), "dan": (1, {"坊子区"})},
    "accountability": {"dave": (1, {"奎文区"}), "dora": (1, {"奎文区"}), "dan": (0, set())},
    "return_visits": {"dave": (2, {"奎文区"}), "dora": (2, {"奎文区"}), "dan": (0, set())},
    # five Kuiwen requests of one category and industry make a group; Fangzi's one request does not
    "common": {"dave": (1, {"奎文区"}), "dora": (1, {"奎文区"}), "dan": (0, set())},
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", SUPERVISORS)
def test_every_supervisor_downloads_every_ledger_of_their_area(month, client, request, at_later, kind, role):
    stats_refresh(now=at_later)  # the beat task's work behind the dashboard's figures
    client.force_login(request.getfixturevalue(role))
    rows = _rows(client.post(_export_url(kind)))
    assert list(rows[0]) == HEADERS[kind]
    body = rows[1:]
    if kind == "dashboard":
        assert body[0][:2] == ("Period", "2025-03-01 – 2025-03-31")  # the period the figures count
        assert {row[0] for row in body[1:]} <= {"Figure", "Region", "Category", "Department"}
        received = next(row[2] for row in body if row[:2] == ("Figure", "Received"))
        assert received == EXPECTED["drill"][role][0]
        return
    count, regions = EXPECTED[kind][role]
    assert len(body) == count
    region_column = HEADERS[kind].index("Region")
    assert {row[region_column] for row in body} == regions
    if kind == "common" and body:
        assert body[0] == ("Policy", "Other", "奎文区", 5, 0, None)
    if kind in ("drill", "accountability"):
        assert all("****" in row[4] for row in body)  # phones masked ...
    if kind == "return_visits":
        assert all("****" not in row[4] for row in body)  # ... except for the return call
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.target == f"ledger {kind}" and event.detail["rows"] == count


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["anonymous", "alice", "bob", "carol"])
def test_other_roles_may_not_export_a_ledger(month, client, request, kind, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for response in (client.post(_export_url(kind)), client.get(_export_url(kind))):
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


REQUEST_LEDGER = [
    "Reference",
    "Title",
    "Enterprise",
    "Contact person",
    "Contact phone",
    "Region",
    "Category",
    "Source",
    "State",
    "Filed",
    "Current deadline",
    "Lead department",
]


@pytest.mark.parametrize(
    ("role", "listed", "expected"),
    [
        ("bob", "commissioner", 200),
        ("dave", "supervisor", 200),
        ("dora", "supervisor", 200),
        ("alice", "commissioner", 403),
        ("carol", "commissioner", 403),
        ("alice", "supervisor", 403),
        ("carol", "supervisor", 403),
        ("bob", "supervisor", 403),
        ("dave", "commissioner", 403),
    ],
)
def test_the_request_ledger_downloads_for_its_roles_only(month, client, request, at_later, role, listed, expected):
    client.force_login(request.getfixturevalue(role))
    ids = [f"{req.pk}:{req.version}" for req in Request.objects.order_by("pk")]
    response = client.post(reverse("issues:request_export"), {"ids": ids, "list": listed})
    assert response.status_code == expected
    if expected != 200:
        return
    rows = _rows(response)
    assert list(rows[0]) == REQUEST_LEDGER
    references = {row[0] for row in rows[1:]}
    assert references and references <= {req.reference for req in Request.objects.all()}
    if role == "dora":
        assert {row[5] for row in rows[1:]} == {"奎文区"}


def test_a_get_of_the_export_url_only_asks_and_changes_nothing(month, client, dora, at_later):
    client.force_login(dora)
    response = client.get(_export_url("drill"))
    page = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert 'method="post"' in page and 'name="csrfmiddlewaretoken"' in page
    assert f'action="{_export_url("drill").replace("&", "&amp;")}"' in page
    assert "5 rows" in page
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_starting_an_export_needs_the_csrf_token(month, dora, at_later):
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    client.force_login(dora)
    assert client.post(_export_url("drill")).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    page = client.get(_export_url("drill"))
    token = page.context["csrf_token"]
    assert len(_rows(client.post(_export_url("drill"), {"csrfmiddlewaretoken": str(token)}))) == 1 + 5


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("drill", "drill"),
        ("accountability", "accountability"),
        ("return_visits", "return_visits"),
        ("common", "common"),
        ("dashboard", "dashboard"),
    ],
)
def test_each_list_page_offers_the_export_as_a_form_with_its_filters(month, client, dora, at_later, name, kind):
    client.force_login(dora)
    params = {**MARCH, "metric": "received"} if name == "drill" else MARCH
    page = client.get(reverse(f"supervision:{name}"), params).content.decode()
    action = reverse("supervision:export", args=[kind])
    assert f'<form method="post" action="{action}?' in page
    assert f'href="{action}' not in page
    assert "from=2025-03-01" in page.split(f'action="{action}?')[1].split('"')[0]


@pytest.mark.parametrize(
    "order, keyset",
    [
        (("-submitted_at", "-pk"), ("submitted_at", "lt")),  # the drill ledger
        (("answer_due_at", "pk"), ("answer_due_at", "gt")),  # the accountability ledger
        (("-closed_at", "-pk"), None),  # nullable: the return visits read the ordered ids first
        (("title",), None),
    ],
)
def test_a_ledger_is_read_in_chunks_in_its_order_even_across_equal_times(month, order, keyset):
    qs = Request.objects.order_by(*order)
    assert _keyset(qs) == keyset
    assert len({r.submitted_at for r in qs}) == 1  # the month's requests were all filed at one instant
    chunks = list(in_chunks(qs, size=2))
    assert [len(chunk) for chunk in chunks] == [2, 2, 2, 1]
    assert [r.pk for chunk in chunks for r in chunk] == list(qs.values_list("pk", flat=True))


def test_a_chunked_ledger_keeps_its_annotations_and_prefetches(month, at_later):
    qs = accountability_requests(Request.objects.all(), at_later)
    rows = [r for chunk in in_chunks(qs, size=1) for r in chunk]
    assert [r.pk for r in rows] == list(qs.values_list("pk", flat=True))
    assert [(r.yellow, r.red) for r in rows] == [(r.yellow, r.red) for r in qs]
    assert all("extensions" in r._prefetched_objects_cache for r in rows)
