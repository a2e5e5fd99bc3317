import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.models import WebhookDelivery, WebhookStatus
from api.tasks import sweep_webhooks
from api.webhooks import webhook_send
from issues import services
from issues.models import Outcome

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/requests"


class Receiver:
    """A client's webhook endpoint on 127.0.0.1 that fails the first ``failures`` calls, then accepts."""

    def __init__(self, failures: int):
        self.failures, self.calls, self.accepted = failures, 0, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                if receiver.calls <= receiver.failures:
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.accepted.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/portal"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver(failures=2)
    yield r
    r.close()


def test_it_retries_a_failing_client_then_delivers_each_change_exactly_once(
    api, work_order, hotline, bob, receiver, django_capture_on_commit_callbacks
):
    hotline.webhook_url = receiver.url
    hotline.save()
    with django_capture_on_commit_callbacks(execute=True):
        pk = api("post", REQUESTS, json=work_order).json()["service_request_id"]
    with django_capture_on_commit_callbacks(execute=True):
        services.request_take_on(req_id=pk, actor=bob)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_answer_directly(req_id=pk, actor=bob, outcome=Outcome.RESOLVED, body="已协调解决。")

    rows = list(WebhookDelivery.objects.order_by("pk"))
    assert [r.payload["event"] for r in rows] == ["submit", "take_on", "answer"]
    assert all(r.status == WebhookStatus.SENT for r in rows)
    assert rows[0].attempts == 3  # failed twice (Celery retried), then delivered
    assert receiver.calls == 5  # 2 refused + one accepted per change
    ids = [headers["X-Portal-Event-Id"] for headers, _body in receiver.accepted]
    assert sorted(ids) == sorted(str(r.idempotency_key) for r in rows)  # each change once, none twice

    headers, body = receiver.accepted[-1]
    expected = hmac.new(
        hotline.webhook_secret.encode(), headers["X-Portal-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Portal-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert (payload["event"], payload["state"], payload["status"]) == ("answer", "answered", "closed")
    first = json.loads(receiver.accepted[0][1])
    assert (first["event"], first["work_order_number"]) == ("submit", "GD20261201-0001")

    # the sweep and a late duplicate message change nothing: a delivered row is never sent again
    assert sweep_webhooks() == 0
    assert webhook_send(delivery_id=rows[0].pk) == "skip"
    assert receiver.calls == 5


def test_a_client_that_is_down_loses_nothing(api, work_order, hotline, bob, settings):
    hotline.webhook_url = "http://127.0.0.1:9/down"  # nothing listens on the discard port
    hotline.save()
    pk = api("post", REQUESTS, json=work_order).json()["service_request_id"]  # on_commit never ran: broker lost
    services.request_take_on(req_id=pk, actor=bob)
    rows = WebhookDelivery.objects.order_by("pk")
    assert [r.payload["event"] for r in rows] == ["submit", "take_on"]
    assert webhook_send(delivery_id=rows[0].pk) == "retry"
    row = WebhookDelivery.objects.get(pk=rows[0].pk)
    assert row.status == WebhookStatus.PENDING and row.attempts == 1 and row.next_attempt_at > row.created_at


def test_it_writes_no_outbox_row_for_requests_the_client_did_not_file(alice, acme, bob, hotline):
    from issues.tests.factories import make_request

    hotline.webhook_url = "http://127.0.0.1:9/down"
    hotline.save()
    req = make_request(acme, alice)
    services.request_take_on(req_id=req.pk, actor=bob)
    assert not WebhookDelivery.objects.exists()


def test_the_delivery_log_shows_each_try_and_sends_a_given_up_one_again(
    client, admin_user, api, work_order, hotline, receiver
):
    hotline.webhook_url = receiver.url
    hotline.save()
    api("post", REQUESTS, json=work_order)  # its on_commit never ran: the row waits
    row = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=row.pk).update(status=WebhookStatus.FAILED, attempts=12, last_error="HTTP 503")
    client.force_login(admin_user)
    log = client.get("/admin/api/webhookdelivery/")
    assert log.status_code == 200 and "HTTP 503" in log.content.decode()
    receiver.failures = 0
    client.post("/admin/api/webhookdelivery/", {"action": "send_again", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert (row.status, row.attempts, len(receiver.accepted)) == (WebhookStatus.SENT, 1, 1)
