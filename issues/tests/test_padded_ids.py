"""Id lists of 31 to 100 values are padded past 100 with ids no row has (issues/queues.py, ``padded``):
the lists keep their rows, and the query carries the longer list."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import queues
from portal.orgs import factories as f

from .factories import make_request

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("length", [0, 1, 30, 31, 64, 100, 101, 500])
def test_padding_keeps_the_ids_and_adds_only_ids_no_row_has(length):
    ids = list(range(1, length + 1))
    out = queues.padded(ids)
    assert out[:length] == ids
    extra = out[length:]
    assert all(value < 0 for value in extra) and len(set(extra)) == len(extra)
    padded = queues.PAD_FROM < length <= queues.PLANNER_LIST_LIMIT
    assert len(out) == (queues.PLANNER_LIST_LIMIT + 1 if padded else length)


def test_a_commissioner_of_forty_enterprises_sees_the_requests_of_each(client, city):
    filer = f.UserFactory(username="filer", phone="13712345679", is_enterprise_user=True)
    commissioner = f.UserFactory(username="many", phone="13712345678", is_commissioner=True)
    enterprises = [f.EnterpriseFactory(region=city) for _ in range(40)]
    for enterprise in enterprises:
        f.pair(enterprise, commissioner)
        f.member(filer, enterprise)
    made = [make_request(enterprise, filer, title=f"诉求{i}") for i, enterprise in enumerate(enterprises)]
    client.force_login(commissioner)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("issues:queue"), {"size": "100"}).content.decode()
    for req in made:
        assert f"/requests/{req.pk}/" in page
    # IN (…) or, on PostgreSQL, = ANY('{…}') (portal/lookups.py)
    found = (re.finditer(r'"enterprise_id" (?:IN \(|= ANY\(\'\{)([^)}]*)', q["sql"]) for q in queries)
    lists = [m.group(1) for matches in found for m in matches]
    assert lists and all(len(values.split(",")) == queues.PLANNER_LIST_LIMIT + 1 for values in lists)
