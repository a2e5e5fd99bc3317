"""``__any`` (portal/lookups.py) gives the rows ``__in`` gives, as one array on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.models import Request
from issues.tests.factories import make_request
from portal.orgs import factories as f
from portal.orgs.models import Enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def requests(acme, alice, kuiwen):
    other = f.EnterpriseFactory(name="奎文食品", region=kuiwen)
    f.member(alice, other)
    return [make_request(acme, alice, title="一"), make_request(other, alice, title="二"), make_request(acme, alice)]


@pytest.mark.parametrize(
    "values",
    [lambda r: [r[0].pk], lambda r: [r[0].pk, r[2].pk, r[0].pk, None], lambda r: [-1, r[1].pk], lambda r: [-5]],
)
def test_a_column_gives_the_rows_of_in(requests, values):
    ids = values(requests)
    assert sorted(Request.objects.filter(pk__any=ids).values_list("pk", flat=True)) == sorted(
        Request.objects.filter(pk__in=ids).values_list("pk", flat=True)
    )


def test_a_foreign_key_takes_ids_or_instances(requests, acme):
    other = requests[1].enterprise
    for values in ([acme.pk], [acme, other], [other.pk, acme.pk, -1]):
        assert set(Request.objects.filter(enterprise__any=values)) == set(Request.objects.filter(enterprise__in=values))
        assert set(Request.objects.filter(enterprise_id__any=values)) == set(
            Request.objects.filter(enterprise_id__in=values)
        )


def test_an_empty_list_matches_nothing_without_a_query(requests, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(Request.objects.filter(pk__any=[])) == []
        assert list(Request.objects.filter(pk__any=[None])) == []
    # inside a condition, the other arms still count
    assert Request.objects.filter(pk__any=[]).count() == 0


def test_a_subquery_is_an_in_subquery(requests, acme):
    enterprises = Enterprise.objects.filter(name=acme.name).values("pk")
    assert set(Request.objects.filter(enterprise_id__any=enterprises)) == {requests[0], requests[2]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array form is PostgreSQL's")
def test_postgresql_gets_one_array_and_one_value_an_equality_both_of_the_columns_type(requests):
    ids = [r.pk for r in requests]
    with CaptureQueriesContext(connection) as queries:
        list(Request.objects.filter(pk__any=ids))
        list(Request.objects.filter(pk__any=ids[:1]))
    many, one = (q["sql"] for q in queries)
    assert '"issues_request"."id" = ANY(' in many and "::bigint[])" in many and " IN (" not in many
    assert f'"issues_request"."id" = {ids[0]}::bigint' in one


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array form is PostgreSQL's")
def test_a_value_longer_than_the_column_is_not_cut_to_match(acme, alice):
    full = make_request(acme, alice, title="长" * 100)  # the column's whole 100 characters
    too_long = full.title + "之后"
    assert list(Request.objects.filter(title__any=[too_long])) == []
    assert list(Request.objects.filter(title__any=[too_long, "无此标题"])) == []
    assert list(Request.objects.filter(title__any=[full.title])) == [full]
