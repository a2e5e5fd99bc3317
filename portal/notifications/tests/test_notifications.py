from datetime import datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from kombu.exceptions import OperationalError

from issues import services
from issues.clock import SHANGHAI
from issues.models import Category, Request
from portal.notifications import delivery as delivery_module
from portal.notifications.delivery import MAX_ATTEMPTS, deliveries_due, delivery_send, quiet_until
from portal.notifications.models import Delivery, Notification
from portal.notifications.services import notify


class FailingChannel:
    calls = 0

    def __init__(self, name):
        self.name = name

    def send(self, **kwargs):
        FailingChannel.calls += 1
        raise ConnectionError("SMS gateway timed out")


@pytest.fixture(autouse=True)
def _daytime():
    """Outside quiet hours unless a test travels elsewhere."""
    with time_machine.travel(datetime(2025, 10, 10, 12, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def alice_with_channels(alice):
    alice.email = "alice@acme.example"
    alice.notify_channels = ["sms"]
    alice.save()
    return alice


def noon(day=10):
    return datetime(2025, 10, day, 12, tzinfo=SHANGHAI)


def test_it_writes_in_app_and_sends_email_and_sms(alice_with_channels, django_capture_on_commit_callbacks):
    with time_machine.travel(noon(), tick=False), django_capture_on_commit_callbacks(execute=True):
        notify(users=[alice_with_channels], kind="test", title="您的诉求已答复", url="/requests/1/")
    assert Notification.objects.filter(user=alice_with_channels).count() == 1
    assert set(Delivery.objects.values_list("channel", "status")) == {("email", "sent"), ("sms", "sent")}
    assert mail.outbox[0].to == ["alice@acme.example"]


def test_a_dedupe_key_makes_a_notification_once_per_person(alice, bob):
    for _ in range(3):
        notify(users=[alice, bob, alice], kind="test", title="提醒", dedupe_key="reminder:1")
    assert Notification.objects.count() == 2


def test_quiet_hours_defer_external_but_never_in_app(alice_with_channels, django_capture_on_commit_callbacks):
    night = datetime(2025, 10, 10, 23, 30, tzinfo=SHANGHAI)
    with time_machine.travel(night, tick=False), django_capture_on_commit_callbacks(execute=True):
        notify(users=[alice_with_channels], kind="test", title="夜间提醒")
    assert Notification.objects.filter(user=alice_with_channels, read_at=None).count() == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"deferred"}
    assert Delivery.objects.first().not_before == datetime(2025, 10, 11, 7, tzinfo=SHANGHAI)
    assert not mail.outbox
    with time_machine.travel(datetime(2025, 10, 11, 7, 1, tzinfo=SHANGHAI), tick=False):
        ids = deliveries_due(datetime(2025, 10, 11, 7, 1, tzinfo=SHANGHAI))
        for pk in ids:
            delivery_send(delivery_id=pk)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_urgent_messages_go_out_in_quiet_hours(alice_with_channels, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(datetime(2025, 10, 10, 3, tzinfo=SHANGHAI), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify(users=[alice_with_channels], kind="test", title="紧急", urgent=True)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_quiet_until():
    assert quiet_until(noon()) is None
    assert quiet_until(datetime(2025, 10, 10, 22, tzinfo=SHANGHAI)) == datetime(2025, 10, 11, 7, tzinfo=SHANGHAI)
    assert quiet_until(datetime(2025, 10, 10, 6, 59, tzinfo=SHANGHAI)) == datetime(2025, 10, 10, 7, tzinfo=SHANGHAI)


def test_a_failing_channel_does_not_stop_email_and_is_retried_then_failed(
    alice_with_channels, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_CHANNEL_BACKENDS = {
        **settings.NOTIFICATION_CHANNEL_BACKENDS,
        "sms": f"{__name__}.FailingChannel",
    }
    with time_machine.travel(noon(), tick=False), django_capture_on_commit_callbacks(execute=True):
        notify(users=[alice_with_channels], kind="test", title="答复")
    email, sms = Delivery.objects.get(channel="email"), Delivery.objects.get(channel="sms")
    assert email.status == "sent" and len(mail.outbox) == 1
    assert (sms.status, sms.attempts) == ("pending", 1)
    assert "SMS gateway timed out" in sms.last_error
    assert sms.not_before == noon() + timedelta(minutes=1)
    assert delivery_send(delivery_id=sms.pk, now=noon()) == "skipped"  # backing off
    moment = noon()
    for _ in range(MAX_ATTEMPTS - 1):
        moment += timedelta(hours=1)
        delivery_send(delivery_id=sms.pk, now=moment)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("failed", MAX_ATTEMPTS)


def test_two_workers_never_send_the_same_delivery(alice_with_channels):
    with mock.patch("portal.notifications.services.enqueue_now"):
        notify(users=[alice_with_channels], kind="test", title="一次")
    pk = Delivery.objects.get(channel="email").pk
    assert delivery_send(delivery_id=pk) == "sent"
    assert delivery_send(delivery_id=pk) == "skipped"
    assert len(mail.outbox) == 1


def test_the_delivery_sweep_recovers_stuck_and_lost_deliveries(alice_with_channels):
    with mock.patch("portal.notifications.services.enqueue_now"):
        notify(users=[alice_with_channels], kind="test", title="丢失")
    email = Delivery.objects.get(channel="email")
    sms = Delivery.objects.get(channel="sms")
    later = email.created_at + timedelta(minutes=20)
    Delivery.objects.filter(pk=sms.pk).update(status="sending", claimed_at=later - delivery_module.STUCK_AFTER * 2)
    assert deliveries_due(later) == [email.pk, sms.pk]


def test_a_submission_commits_when_the_broker_is_down(alice, acme, bob, django_capture_on_commit_callbacks):
    bob.email = "bob@gov.example"
    bob.save()
    with (
        mock.patch("portal.notifications.tasks.deliver_batch.delay", side_effect=OperationalError("refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        req = services.request_submit(
            actor=alice,
            enterprise=acme,
            category=Category.objects.get(code="finance"),
            title="停电",
            description="厂区停电。",
        )
    assert Request.objects.filter(pk=req.pk).exists()
    delivery = Delivery.objects.get(notification__user=bob)
    assert delivery.status == "pending"
    assert deliveries_due(delivery.created_at + timedelta(minutes=5)) == [delivery.pk]


# -- the notification centre ---------------------------------------------------------------


@pytest.fixture
def alices_note(alice):
    return notify(users=[alice], kind="test", title="您的诉求已答复", url="/requests/7/")[0]


def test_bob_cannot_read_or_mark_alices_notification(client, bob, alices_note):
    client.force_login(bob)
    assert client.get(f"/notifications/{alices_note.pk}/").status_code == 404
    assert client.post(f"/notifications/{alices_note.pk}/read/").status_code == 404
    client.post("/notifications/read-all/")
    assert "您的诉求已答复" not in client.get("/notifications/").content.decode()
    alices_note.refresh_from_db()
    assert alices_note.read_at is None


def test_alice_reads_marks_and_follows_her_notifications(client, alice, alices_note):
    client.force_login(alice)
    page = client.get("/notifications/").content.decode()
    assert "您的诉求已答复" in page
    bell = client.get("/notifications/bell/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 30s"' in bell and 'data-unread="1"' in bell and 'href="/notifications/"' in bell
    response = client.get(f"/notifications/{alices_note.pk}/")
    assert response.status_code == 302 and response["Location"] == "/requests/7/"
    alices_note.refresh_from_db()
    assert alices_note.read_at is not None
    notify(users=[alice], kind="test", title="第二条")
    assert client.post("/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(user=alice, read_at=None).exists()


def test_the_status_page_is_for_staff(client, alice, admin_user):
    client.force_login(alice)
    assert client.get("/notifications/status/").status_code == 302
    client.force_login(admin_user)
    assert (
        "Last reminder sweep" in client.get("/notifications/status/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        or client.get("/notifications/status/").status_code == 200
    )


def test_submitting_through_the_web_with_redis_unreachable_is_quick_and_loses_nothing(
    client, alice, acme, bob, caplog, django_capture_on_commit_callbacks
):
    """A real publish to a closed port (no mock): the page answers promptly and the delivery waits."""
    from portal import celery_app

    bob.email = "bob@gov.example"
    bob.save()
    client.force_login(alice)
    old = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = False, "redis://127.0.0.1:1/0"
    celery_app._pool = None  # producers for the closed port
    try:
        with django_capture_on_commit_callbacks(execute=True):  # really publish, as after a commit
            response = client.post(
                "/requests/new/",
                {
                    "enterprise": acme.pk,
                    "category": Category.objects.get(code="finance").pk,
                    "title": "临时用电",
                    "description": "新厂房需要临时用电。",
                },
            )
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = old
        celery_app._pool = None  # a fresh producer pool for the tests that follow
    assert "left for the sweep" in caplog.text  # the publish failed and the submission went on
    assert response.status_code == 302, response.content.decode()[:500]
    req = Request.objects.get(title="临时用电")
    assert Delivery.objects.get(notification__user=bob, notification__url__endswith=f"/{req.pk}/").status == "pending"
