"""The same work order arriving twice at the same moment (the hotline retries before the first answer):
one request, both callers told its id. Needs PostgreSQL: two real connections and the unique index
making the second insert wait for the first commit."""

import threading

import pytest
from django.db import connection, connections

from issues.models import Category, Request

from .conftest import make_client

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and two real connections"),
    pytest.mark.django_db(transaction=True),
]


def test_two_copies_at_once_make_one_request(acme, bob, kuiwen, monkeypatch):
    from api import services as api_services
    from api.services import key_issue, scope_of, work_order_receive

    Category.objects.get_or_create(code="finance", defaults={"name": "融资", "name_en": "Financing"})
    hotline = make_client("奎文区12345热线", [kuiwen])
    key_issue(client=hotline)
    barrier = threading.Barrier(2)
    real_submit = api_services.issue_services.request_submit

    def slow_submit(**kwargs):  # both copies are past the first lookup before either inserts
        barrier.wait(timeout=10)
        return real_submit(**kwargs)

    monkeypatch.setattr(api_services.issue_services, "request_submit", slow_submit)
    results = [None, None]

    def run(index):
        try:
            actor = type(hotline.user).objects.get(pk=hotline.user_id)
            actor.api_scope = scope_of(hotline)
            data = {
                "work_order_number": "GD-RACE-1",
                "channel": "phone",
                "credit_code": acme.credit_code,
                "service_code": "finance",
                "title": "贷款难",
                "description": "贷款审批慢",
            }
            received = work_order_receive(client=hotline, actor=actor, data=data)
            results[index] = (received.req.pk, received.created)
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert Request.objects.filter(work_order_number="GD-RACE-1").count() == 1
    pk = Request.objects.get(work_order_number="GD-RACE-1").pk
    assert sorted(results, key=lambda r: not r[1]) == [(pk, True), (pk, False)], results
