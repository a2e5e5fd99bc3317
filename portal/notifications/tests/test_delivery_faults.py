"""A delivery across a database blink, a slow gateway and a frozen broker: sent once, never lost."""

import logging
import time
from datetime import datetime
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError, connection
from django.db.models import QuerySet

from issues.clock import SHANGHAI
from portal.notifications import delivery as delivery_module
from portal.notifications.channels import LogChannel
from portal.notifications.delivery import SendTimeout, delivery_send, time_limit
from portal.notifications.models import Delivery
from portal.notifications.services import notify


class RecordingChannel:
    sent: list[dict] = []

    def __init__(self, name):
        self.name = name

    def send(self, **kwargs):
        RecordingChannel.sent.append(kwargs)


class SlowChannel:
    def __init__(self, name):
        self.name = name

    def send(self, **kwargs):
        time.sleep(5)


@pytest.fixture(autouse=True)
def _daytime():
    with time_machine.travel(datetime(2025, 10, 10, 12, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def sms_delivery(alice, settings):
    alice.notify_channels = ["sms"]
    alice.save()
    settings.NOTIFICATION_CHANNEL_BACKENDS = {
        **settings.NOTIFICATION_CHANNEL_BACKENDS,
        "sms": f"{__name__}.RecordingChannel",
    }
    RecordingChannel.sent = []
    with mock.patch("portal.notifications.services.enqueue_now"):
        notify(users=[alice], kind="test", title="诉求已答复")
    return Delivery.objects.get(channel="sms")


def _fail_first_sent_update():
    """QuerySet.update that raises like a restarted PostgreSQL the first time a delivery is marked sent."""
    real_update = QuerySet.update
    failures = []

    def update(self, **kwargs):
        if self.model is Delivery and kwargs.get("status") == Delivery.Status.SENT and not failures:
            failures.append(kwargs)
            raise OperationalError("server closed the connection unexpectedly")
        return real_update(self, **kwargs)

    return mock.patch.object(QuerySet, "update", update), failures


@pytest.mark.django_db(transaction=True)
def test_a_database_failure_after_the_send_does_not_send_twice(sms_delivery, caplog):
    patch, failures = _fail_first_sent_update()
    with (
        patch,
        mock.patch.object(delivery_module.clock, "sleep") as sleep,
        mock.patch.object(connection, "close", wraps=connection.close) as close,
    ):
        assert delivery_send(delivery_id=sms_delivery.pk) == Delivery.Status.SENT
    assert failures  # the first status update really failed
    assert close.called and sleep.called  # retried on a fresh connection after a short wait
    assert len(RecordingChannel.sent) == 1
    sms_delivery.refresh_from_db()
    assert sms_delivery.status == Delivery.Status.SENT and sms_delivery.sent_at is not None
    # the stuck-delivery recovery finds nothing to send again
    assert delivery_send(delivery_id=sms_delivery.pk) == "skipped"
    assert len(RecordingChannel.sent) == 1
    assert "retrying on a fresh connection" in caplog.text


def test_channels_get_the_delivery_id_as_idempotency_key_on_every_attempt(sms_delivery):
    delivery_send(delivery_id=sms_delivery.pk)
    assert RecordingChannel.sent[0]["idempotency_key"] == f"delivery-{sms_delivery.pk}"


def test_the_log_channel_logs_the_idempotency_key(alice, caplog):
    with caplog.at_level(logging.INFO, logger="portal.notifications.channels"):
        LogChannel("sms").send(user=alice, title="提醒", body="", url="", idempotency_key="delivery-42")
    assert "delivery-42" in caplog.text


def test_an_email_keeps_one_message_id_across_attempts(alice, django_capture_on_commit_callbacks):
    alice.email = "alice@acme.example"
    alice.save()
    with mock.patch("portal.notifications.services.enqueue_now"):
        notify(users=[alice], kind="test", title="诉求已答复")
    delivery = Delivery.objects.get(channel="email")
    delivery_send(delivery_id=delivery.pk)
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<delivery-{delivery.pk}@")


def test_a_send_that_times_out_is_retried_later_not_lost(sms_delivery, settings):
    settings.NOTIFICATION_CHANNEL_BACKENDS = {
        **settings.NOTIFICATION_CHANNEL_BACKENDS,
        "sms": f"{__name__}.SlowChannel",
    }
    settings.NOTIFICATION_SEND_TIMEOUTS = {**settings.NOTIFICATION_SEND_TIMEOUTS, "sms": 0.2}
    started = time.monotonic()
    assert delivery_send(delivery_id=sms_delivery.pk) == Delivery.Status.PENDING
    assert time.monotonic() - started < 3  # not the 5 s the gateway would take
    sms_delivery.refresh_from_db()
    assert sms_delivery.attempts == 1
    assert sms_delivery.not_before is not None  # backs off, then the sweep sends it again
    assert sms_delivery.last_error.startswith("SendTimeout")


def test_the_time_limit_leaves_no_alarm_behind():
    with pytest.raises(SendTimeout), time_limit(0.05):
        time.sleep(1)
    with time_limit(0.05):
        pass
    time.sleep(0.1)  # an alarm still armed would raise here
