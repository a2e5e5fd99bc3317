"""Search terms of one or two characters, which have no trigram: on PostgreSQL the request lists read their
matches from the grams indexes (issues/migrations/0027_short_term_grams.py) and page through those ids,
and above SHORT_MATCH_LIMIT matches search by the plain condition. Either way a list shows the rows, the
order and the tab counts of the plain query."""

import copy
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import filters, queues
from issues.models import Request, Status
from portal.orgs import factories as f
from portal.orgs.models import Region
from portal.testing.plans import index_conditions

from .factories import dispatched, make_request
from .test_list_search import expected, shown

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the grams indexes are PostgreSQL's")
STATISTICS = filters.gram_share


@pytest.fixture(autouse=True)
def no_statistics(monkeypatch):
    """Every pair rare, whatever an earlier ANALYZE of the test database left in the statistics."""
    monkeypatch.setattr(filters, "gram_share", lambda text, statistics: 0.0)


@pytest.fixture
def texts(acme, globex, alice, bob, hr_bureau):
    """Requests of two enterprises with short words in their titles and descriptions, in any case; some
    closed, one withdrawn."""
    rows = [
        ("环评审批进度", "材料已提交"),
        ("用地指标", "希望尽快办理环评。"),
        ("5G基站建设", "信号覆盖不足"),
        ("用工补贴", "企业希望尽快办理。"),
        ("供电线路改造", "需要5g专网"),
        ("融资对接", "贷款审批进展缓慢"),
        ("产值增长50%", "编号A_B"),
    ]
    grace = f.UserFactory(username="grace", real_name="格蕾丝", phone="13900000021", is_enterprise_user=True)
    f.member(grace, globex)
    made = []
    for i, (title, description) in enumerate(rows):
        enterprise, member = (acme, alice) if i % 2 == 0 else (globex, grace)
        req = make_request(enterprise, member, title=title, description=description)
        made.append(dispatched(req, bob, hr_bureau) if enterprise == acme else req)
    Request.objects.filter(pk__in=[made[0].pk, made[3].pk]).update(status=Status.CLOSED, current_due_at=None)
    Request.objects.filter(pk=made[5].pk).update(status=Status.WITHDRAWN, current_due_at=None)
    return made


LISTS = [
    ("dave", "supervisor_list", queues.SUPERVISOR),
    ("carol", "department_queue", queues.DEPARTMENT),
    ("bob", "queue", queues.COMMISSIONER),
    ("alice", "my_requests", queues.ENTERPRISE),
]


@pytest.mark.parametrize("who, name, kind", LISTS)
@pytest.mark.parametrize("text", ["环评", "材", "5g", "G", "阿克", "氢能", "，", "0%", "_b", "%"])
@pytest.mark.parametrize("short_limit", [2000, 1])
def test_a_short_term_shows_the_rows_and_counts_of_the_plain_query(
    client, texts, monkeypatch, request, who, name, kind, text, short_limit
):
    """Read from the grams indexes (short_limit 2000) or too many for that (1): the same rows, counts and
    order as ``icontains`` gives, upper and lower case alike (5g finds 5G), the enterprise's name too."""
    monkeypatch.setattr(filters, "SHORT_MATCH_LIMIT", short_limit)
    user = request.getfixturevalue(who)
    client.force_login(user)
    for tab in ("all", "open", Status.CLOSED):
        for sort in ("urgency", "newest", "oldest"):
            with monkeypatch.context() as plainly:  # the reference: icontains everywhere, enterprises' names too
                plainly.setattr(filters, "SHORT_TERM", 0)
                want = expected(kind, user, text, tab, sort)
            assert shown(client, name, q=text, tab=tab, sort=sort) == want, (tab, sort)


def test_the_terms_are_found_where_the_plain_query_finds_them(client, texts, dave):
    client.force_login(dave)
    for text, titles in (
        ("环评", {"环评审批进度", "用地指标"}),  # in a title, in a description
        ("5g", {"5G基站建设", "供电线路改造"}),
        ("g", {"5G基站建设", "供电线路改造"}),
        ("阿克", {"环评审批进度", "5G基站建设", "供电线路改造", "产值增长50%"}),  # the enterprise's name
        ("氢能", set()),
        ("0%", {"产值增长50%"}),  # the LIKE wildcards are plain characters of a gram
        ("_b", {"产值增长50%"}),
        ("%", {"产值增长50%"}),
    ):
        _counts, ids = shown(client, "supervisor_list", q=text, tab="all")
        assert set(Request.objects.filter(pk__in=ids).values_list("title", flat=True)) == titles, text


@on_postgresql
def test_the_grams_are_the_characters_and_the_pairs():
    with connection.cursor() as cursor:
        cursor.execute("SELECT portal_grams('环评审环'), portal_grams(''), portal_grams('a')")
        grams, empty, one = cursor.fetchone()
    assert sorted(grams) == sorted(["环", "评", "审", "环评", "评审", "审环"])
    assert empty == [] and one == ["a"]


@on_postgresql
def test_the_grams_are_read_in_one_process_and_written_at_once():
    """No parallel worker for a read of a few posting lists (migration 0028)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT proparallel, procost FROM pg_proc WHERE proname = 'portal_grams'")
        assert cursor.fetchone() == ("u", 10000)
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%%_grams'")
        indexes = dict(cursor.fetchall())
    # no pending list for a writer to merge (migrations 0029, 0030, 0032)
    assert set(indexes) == {
        "req_title_grams",
        "req_description_grams",
        "enterprise_name_grams",
        "req_live_grams",
        "dispatch_department_text_grams",
    }
    assert all("fastupdate=off" in sql for sql in indexes.values()), indexes


@on_postgresql
def test_a_rare_short_term_pages_through_its_ids(client, texts, dave):
    """One query reads the matching ids from the grams (after the enterprises' names); the counts and the
    page then name those ids and match no text."""
    client.force_login(dave)
    client.get(reverse("issues:supervisor_list"))  # the first request of a session stores its language
    with CaptureQueriesContext(connection) as ctx:
        counts, ids = shown(client, "supervisor_list", q="环评", tab="all")
    assert counts["all"] == 2 and len(ids) == 2
    on_requests = [q["sql"] for q in ctx.captured_queries if 'FROM "issues_request"' in q["sql"]]
    grams = [sql for sql in on_requests if "portal_grams" in sql]
    assert len(grams) == 1 and "LIMIT 2001" in grams[0]
    assert all("LIKE" not in sql for sql in on_requests)
    names = [q["sql"] for q in ctx.captured_queries if 'FROM "orgs_enterprise"' in q["sql"]]
    assert names and all("portal_grams" in sql for sql in names)


@on_postgresql
def test_an_absent_short_term_counts_nothing(client, texts, dave):
    client.force_login(dave)
    counts, ids = shown(client, "supervisor_list", q="氢能", tab="all")
    assert ids == [] and set(counts.values()) == {0}


@on_postgresql
def test_above_the_short_match_limit_the_list_searches_by_the_text(client, texts, dave, monkeypatch):
    monkeypatch.setattr(filters, "SHORT_MATCH_LIMIT", 1)
    client.force_login(dave)
    with CaptureQueriesContext(connection) as ctx:
        counts, _ids = shown(client, "supervisor_list", q="环评", tab="all")
    assert counts["all"] == 2
    assert any("COUNT(" in q["sql"] and "LIKE" in q["sql"] for q in ctx.captured_queries)


def test_a_term_of_three_characters_is_searched_as_before(client, texts, dave):
    client.force_login(dave)
    with CaptureQueriesContext(connection) as ctx:
        counts, _ids = shown(client, "supervisor_list", q="环评审", tab="all")
    assert counts["all"] == 1
    assert all("portal_grams" not in q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize(
    "text, names", [("阿克", ["潍坊阿克米机械有限公司"]), ("食", ["坊子环球食品有限公司"]), ("氢", [])]
)
def test_the_enterprise_suggestions_find_a_short_part_of_a_name(client, texts, dave, text, names):
    client.force_login(dave)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("issues:enterprise_suggest"), {"enterprise": text})
    assert response.status_code == 200
    if connection.vendor == "postgresql":  # read from the names' grams index
        assert any("portal_grams" in q["sql"] for q in ctx.captured_queries)
    shown_names = re.findall(r'<option value="([^"]*)"', response.content.decode())
    assert shown_names == names


@pytest.mark.parametrize("size", [1, 40])  # 40: an id list padded past PLANNER_LIST_LIMIT (queues.padded)
def test_a_short_search_runs_the_same_queries_whatever_the_matches(
    client, acme, alice, bob, hr_bureau, dave, django_assert_max_num_queries, size
):
    for i in range(size):
        dispatched(make_request(acme, alice, title=f"用地{i}"), bob, hr_bureau)
    client.force_login(dave)
    client.get(reverse("issues:supervisor_list"))
    # with the first page's running rows counted as far as it needs (queues.running_count)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("issues:supervisor_list"), {"q": "用地", "tab": "all", "size": 50})
    assert len(response.context["page"]) == size


@on_postgresql
def test_the_statistics_tell_a_common_pair(acme, alice):
    for i in range(12):
        make_request(acme, alice, title=f"用地审批{i}", description="企业希望尽快办理。")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE issues_request")  # counts this transaction's rows
    assert STATISTICS("用地", filters.REQUEST_GRAMS) == pytest.approx(1.0)
    assert STATISTICS("氢能", filters.REQUEST_GRAMS) == 0.0
    assert STATISTICS("用地", filters.NAME_GRAMS) == 0.0  # not in the enterprises' names


@on_postgresql
def test_a_share_read_is_kept_for_a_while(acme, alice):
    """The statistics change only when a table is analysed again: a share is read once per
    SHARE_KEPT_SECONDS, per term (in any case) and indexes."""
    for i in range(12):
        make_request(acme, alice, title=f"用地审批{i}", description="企业希望尽快办理。")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE issues_request")

    def reads(text, statistics=filters.REQUEST_GRAMS):
        with CaptureQueriesContext(connection) as ctx:
            share = STATISTICS(text, statistics)
        return share, len(ctx.captured_queries)

    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        assert reads("用地") == (pytest.approx(1.0), 1)
        assert reads("用地") == (pytest.approx(1.0), 0)
        assert reads("5g") == (0.0, 1) and reads("5G") == (0.0, 0)  # one term, in any case
        assert reads("用地", filters.NAME_GRAMS) == (0.0, 1)  # other indexes, another share
        traveller.shift(filters.SHARE_KEPT_SECONDS - 1)
        assert reads("用地")[1] == 0
        traveller.shift(1)  # read again
        assert reads("用地") == (pytest.approx(1.0), 1)
        assert reads("用地")[1] == 0
        filters.forget_shares()
        assert reads("用地")[1] == 1


@on_postgresql
@pytest.mark.parametrize(
    "who, name, found, live_grams", [("dave", "supervisor_list", 2, True), ("bob", "queue", 1, False)]
)
def test_a_common_short_term_is_searched_by_the_text_at_once(
    client, texts, monkeypatch, request, who, name, found, live_grams
):
    """No read of a page of ids from the grams: a common word's newest matches fill a page quickly. A
    supervisor's live tabs are counted over the scope's live matches from the live grams index, and the
    page's running rows read from them; the ended tabs check the text row by row, and a commissioner's few
    hundred requests are counted so."""
    monkeypatch.setattr(filters, "gram_share", lambda text, statistics: 0.2)
    client.force_login(request.getfixturevalue(who))
    with CaptureQueriesContext(connection) as ctx:
        counts, ids = shown(client, name, q="环评", tab="all")
    assert counts["all"] == found and len(ids) == found
    on_requests = [q["sql"] for q in ctx.captured_queries if 'FROM "issues_request"' in q["sql"]]
    assert on_requests and all("LIMIT 2001" not in sql for sql in on_requests)
    grams = [sql for sql in on_requests if "portal_grams" in sql]
    if not live_grams:
        assert grams == []
        return
    # the first page's running rows, counted as far as the page needs (queues.running_count), sent first
    running, count, page = grams
    assert running.startswith("SELECT COUNT(*) AS n FROM (SELECT")
    assert f"LIMIT {queues.RUNNING_WALK_FROM}) bounded" in running
    assert count.startswith('SELECT 1 AS "_row", COUNT(') and "'closed'" in count  # the counts' query
    live_part = count[count.rindex(" FROM ") :]  # the live rows', after the ended tabs' subqueries
    assert "portal_grams" in live_part and "LIKE" not in live_part
    assert "current_due_at" in page  # the page's running rows


@on_postgresql
@pytest.mark.parametrize("whole", [False, True])
def test_the_live_matches_of_a_common_short_term_come_from_the_live_grams_index(texts, dave, monkeypatch, whole):
    """req_live_grams (migration 0030) holds the live requests by region and grams: the supervisors' live
    counts ask it for both the scope's regions and the term; a scope of every region (here with no second
    city beside dave's) asks it for the term alone."""
    monkeypatch.setattr(filters, "gram_share", lambda text, statistics: 0.2)
    if not whole:
        f.RegionFactory(code="370600", name="烟台市", level=Region.Level.CITY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'req_live_grams'")
        (definition,) = cursor.fetchone()
    assert set(re.findall(r"'(\w+)'", definition)) == set(queues.LIVE_STATUSES)
    # many live requests of the scope without the term, and statistics that know them (a handful of rows
    # PostgreSQL reads as fast by the region alone)
    pattern = Request.objects.get(pk=texts[2].pk)
    clones = []
    for i in range(300):
        pattern.pk, pattern.title, pattern.description = None, f"供电线路改造{i}", "信号覆盖不足"
        clones.append(copy.copy(pattern))
    Request.objects.bulk_create(clones)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE issues_request")  # in the test's transaction, rolled back with it
    filterset = filters.FILTERS[queues.SUPERVISOR](
        {"q": "环评"}, queryset=queues.ROWS[queues.SUPERVISOR](dave), user=dave
    )
    filterset.qs  # noqa: B018  (runs the filters)
    # with the indexes of the other ways a request matches (its work-order number, its enterprise)
    conditions = index_conditions(
        filterset.live_matches, "req_live_grams", keep=("req_work_order", "req_queue_enterprise")
    )
    assert len(conditions) == 2 and all("portal_grams" in c for c in conditions), conditions
    assert all(("region_id" in c) is not whole for c in conditions), conditions


@pytest.mark.parametrize(
    "data, share",
    [
        ({"q": "环评"}, 0.0),  # rare: its ids are read from the grams
        ({"q": "环评审"}, 0.2),  # three characters: the trigram indexes
        # another filter: PostgreSQL finds the rows it keeps on their own index, and their text is compared
        ({"q": "环评", "overdue": "on"}, 0.2),
        ({"q": "环评", "state": Status.IN_PROGRESS}, 0.2),
        ({"q": "环评", "due_within": "3"}, 0.2),
    ],
)
def test_the_live_counts_take_the_live_grams_only_for_a_common_short_term(texts, dave, monkeypatch, data, share):
    monkeypatch.setattr(filters, "gram_share", lambda text, statistics: share)
    filterset = filters.FILTERS[queues.SUPERVISOR](data, queryset=queues.ROWS[queues.SUPERVISOR](dave), user=dave)
    filterset.qs  # noqa: B018
    assert filterset.is_valid() and filterset.live_matches is None


def test_the_order_and_the_page_size_leave_a_common_short_term_its_live_grams(texts, dave, monkeypatch):
    monkeypatch.setattr(filters, "gram_share", lambda text, statistics: 0.2)
    data = {"q": "环评", "tab": "all", "sort": "oldest", "size": "50"}
    filterset = filters.FILTERS[queues.SUPERVISOR](data, queryset=queues.ROWS[queues.SUPERVISOR](dave), user=dave)
    filterset.qs  # noqa: B018
    assert filterset.live_matches is not None


@on_postgresql
def test_a_common_character_of_the_names_is_looked_for_name_by_name(client, texts, dave, monkeypatch):
    """有 is in nearly every enterprise's name: the suggestions check the names in their order and stop at
    twenty, rather than read every one from the grams."""
    monkeypatch.setattr(filters, "gram_share", lambda text, statistics: 0.9 if statistics == filters.NAME_GRAMS else 0)
    client.force_login(dave)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("issues:enterprise_suggest"), {"enterprise": "有"})
    assert re.findall(r'<option value="([^"]*)"', response.content.decode()) == [
        "坊子环球食品有限公司",
        "潍坊阿克米机械有限公司",
    ]
    names = [q["sql"] for q in ctx.captured_queries if 'FROM "orgs_enterprise"' in q["sql"]]
    assert names and all("portal_grams" not in sql and "CASE WHEN" in sql for sql in names)


def test_a_term_longer_once_upper_cased_is_searched_as_a_long_one(client, acme, alice, dave):
    make_request(acme, alice, title="Straße 5", description="—")
    client.force_login(dave)
    _counts, ids = shown(client, "supervisor_list", q="ß", tab="all")
    assert len(ids) == 1
    assert not filters.is_short("aß")
