"""Reads beside the page (portal/aside.py): a second connection on PostgreSQL outside a transaction, the
page's own connection otherwise, the same row either way."""

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse

from issues.models import Request, Status
from issues.tests.factories import make_request
from portal import aside

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="a second connection is PostgreSQL's")


class Threads:
    """An execute wrapper that notes the thread of each query."""

    def __init__(self):
        self.names = []
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        self.names.append(threading.current_thread().name)
        self.queries.append((threading.current_thread().name, sql))
        return execute(sql, params, many, context)


@pytest.mark.django_db
def test_a_query_that_matches_nothing_without_sql_reads_nothing():
    """An empty id list leaves Django no query to run: no row, no statement sent, and the counts built on it
    are 0."""
    from django.utils import timezone

    from issues import queues

    nothing = Request.objects.filter(pk__in=[])
    spec = queues.SPECS[queues.SUPERVISOR]
    seen = Threads()
    with connection.execute_wrapper(seen):
        assert aside.read_query(nothing.values("pk")).result() is None
        assert queues.running_count(spec, nothing, 25).result() == 0
        assert set(queues.tab_counts(spec, nothing, timezone.now()).values()) == {0}
    assert seen.names == []
    made = Request.objects.filter(pk__in=[-1]).values("pk")
    assert aside.read_query(made, around="SELECT COUNT(*) AS n FROM ({}) bounded").result() == {"n": 0}


@pytest.mark.django_db
def test_inside_a_transaction_the_read_is_the_pages_own():
    """A test's transaction (or any atomic block): another connection would not see what it wrote."""
    Request.objects.all().delete()
    seen = Threads()
    with connection.execute_wrapper(seen):
        assert aside.beside() is False
        assert aside.read("SELECT COUNT(*) AS n FROM issues_request", []).result() == {"n": 0}
    assert seen.names == [threading.current_thread().name]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_thread_reads_and_the_pages_wrappers_see_it(acme, alice):
    make_request(acme, alice, title="贷款")
    seen = Threads()
    with connection.execute_wrapper(seen):
        assert aside.beside() is True
        pending = aside.read("SELECT COUNT(*) AS n, MIN(title) AS first FROM issues_request", [])
        assert pending.then(lambda row: row["n"] * 10).result() == 10
    assert seen.names and all(name.startswith("portal-aside") for name in seen.names)
    assert aside.read("SELECT 1 AS one WHERE false", []).result() is None  # no row


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_read_needed_now_or_switched_off_stays_on_the_pages_connection(settings):
    seen = Threads()
    with connection.execute_wrapper(seen):
        aside.read("SELECT 1 AS one", [], now=True).result()
        settings.READS_ASIDE = False
        assert aside.beside() is False
        aside.read("SELECT 1 AS one", []).result()
    assert seen.names == [threading.current_thread().name] * 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_failed_read_is_raised_where_it_is_asked_for_and_the_thread_reads_again():
    pending = aside.read("SELECT no_such_column FROM issues_request", [])
    with pytest.raises(DatabaseError):
        pending.result()
    assert aside.read("SELECT 2 AS two", []).result() == {"two": 2}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_close_leaves_no_connection_behind():
    aside.read("SELECT 1 AS one", []).result()
    aside.close()
    holders = []
    aside._executor().submit(lambda: holders.append(connections["default"].connection)).result()
    assert holders == [None]


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name, who", [("supervisor_list", "dave"), ("queue", "bob"), ("department_queue", "carol")])
def test_a_list_counted_beside_its_rows_shows_what_it_counts(client, request, acme, alice, bob, hr_bureau, name, who):
    """The list's counts come from the thread while the first page is read; the page is the same. (全部 most
    urgent first of a large scope needs its counts for its rows: read at once, on the page's connection.)"""
    from issues.tests.factories import dispatched

    made = [dispatched(make_request(acme, alice, title=f"诉求{i}"), bob, hr_bureau) for i in range(3)]
    Request.objects.filter(pk=made[0].pk).update(status=Status.CLOSED, current_due_at=None)
    client.force_login(request.getfixturevalue(who))
    seen = Threads()
    with connection.execute_wrapper(seen):
        response = client.get(reverse(f"issues:{name}"), {"tab": "all", "sort": "newest"})
    counts = {key: count for key, _label, count in response.context["tabs"]}
    assert counts["all"] == 3 and counts[Status.CLOSED] == 1
    assert len(response.context["page"]) == 3 and response.context["page"].paginator.count == 3
    assert any(name.startswith("portal-aside") for name in seen.names)
    with transaction.atomic():  # the same page read on one connection
        again = client.get(reverse(f"issues:{name}"), {"tab": "all", "sort": "newest"})
    assert [key_count for key_count in again.context["tabs"]] == [key_count for key_count in response.context["tabs"]]
    assert [r.pk for r in again.context["page"]] == [r.pk for r in response.context["page"]]


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "query", [{"tab": "all", "page": "2", "size": "25"}, {"tab": "all", "sort": "newest", "page": "2"}]
)
def test_a_page_that_needs_its_counts_reads_them_on_its_own_connection(client, acme, alice, dave, query):
    """Any page but the first is found from the counts: they are waited for at once, so the thread would
    only add its hop."""
    make_request(acme, alice, title="诉求")
    client.force_login(dave)
    seen = Threads()
    with connection.execute_wrapper(seen):
        response = client.get(reverse("issues:supervisor_list"), query)
    assert response.status_code == 200 and response.context["page"].paginator.count == 1
    assert set(seen.names) == {threading.current_thread().name}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_first_page_of_all_most_urgent_first_counts_its_running_rows_and_reads_the_rest_beside(
    client, acme, alice, dave
):
    """全部 most urgent first finds its running rows with the 待办 count: the first page counts them only as
    far as it needs (queues.running_count), read on the thread while the page compiles the tab counts, which
    the thread reads after it."""
    made = [make_request(acme, alice, title=f"诉求{i}") for i in range(4)]
    Request.objects.filter(pk__in=[r.pk for r in made[:2]]).update(status=Status.CLOSED, current_due_at=None)
    client.force_login(dave)
    seen = Threads()
    with connection.execute_wrapper(seen):
        response = client.get(reverse("issues:supervisor_list"), {"tab": "all"})
    beside = [sql for name, sql in seen.queries if name.startswith("portal-aside")]
    assert len(beside) == 2
    assert beside[0].startswith("SELECT COUNT(*) AS n FROM (") and beside[1].startswith('SELECT %s AS "_row"')
    with transaction.atomic():
        again = client.get(reverse("issues:supervisor_list"), {"tab": "all"})
    assert [r.pk for r in response.context["page"]] == [r.pk for r in again.context["page"]]
    assert [r.pk for r in response.context["page"]] == [made[2].pk, made[3].pk, made[0].pk, made[1].pk]
