from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import Client, ClientAction
from api.services import client_account_for, key_issue
from portal.orgs import factories as f

ALL_ACTIONS = [ClientAction.FILE, ClientAction.READ, ClientAction.EVALUATE]


def make_client(name, regions, actions=ALL_ACTIONS, **kw):
    client = Client(name=name, contact="12345 值班室 0536-12345", actions=list(actions), **kw)
    client_account_for(client)
    client.save()
    client.regions.set(regions)
    return client


@pytest.fixture
def hotline(kuiwen):
    return make_client("奎文区12345热线", [kuiwen])


@pytest.fixture
def hotline_key(hotline):
    return key_issue(client=hotline)[1]


@pytest.fixture
def fangzi_key(fangzi):
    return key_issue(client=make_client("坊子区12345热线", [fangzi]))[1]


@pytest.fixture
def api(client, hotline_key):
    """The test client calling with the Kuiwen hotline's key, from behind nginx."""

    def call(method, path, key=hotline_key, **kw):
        kw.setdefault("REMOTE_ADDR", "127.0.0.1")
        kw.setdefault("HTTP_X_FORWARDED_FOR", "10.20.30.40")
        if key:
            kw["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        if "json" in kw:
            kw["data"], kw["content_type"] = kw.pop("json"), "application/json"
        return getattr(client, method)(path, **kw)

    return call


@pytest.fixture
def work_order(acme):
    # received an hour ago: a fixed date would age past the 30 days accepted, or past its 133 deadlines
    received = timezone.localtime() - timedelta(hours=1)
    return {
        "work_order_number": "GD20261201-0001",
        "channel": "phone",
        "received_at": received.isoformat(),
        "caller_name": "张三",
        "caller_mobile": "13812345678",
        "credit_code": acme.credit_code,
        "service_code": "finance",
        "title": "贷款审批慢",
        "description": "企业反映流动资金贷款审批进展缓慢，希望协调。",
    }


__all__ = ["f", "make_client"]
