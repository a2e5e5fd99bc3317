from unittest import mock

from portal import celery_app
from portal.notifications.tasks import deliver_batch
from portal.tasking import enqueue


def test_it_gives_up_on_an_unreachable_broker_instead_of_retrying_forever(caplog):
    old = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = False, "redis://127.0.0.1:1/0"
    celery_app._pool = None
    try:
        assert enqueue(deliver_batch, [1, 2]) is False
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = old
        celery_app._pool = None
    assert "left for the sweep" in caplog.text


def test_it_runs_the_task_inline_when_tasks_are_eager(db):
    assert enqueue(deliver_batch, []) is True


def test_after_a_failure_it_skips_the_broker_for_a_moment_so_a_request_pays_once(caplog):
    from portal import tasking

    old = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = False, "redis://127.0.0.1:1/0"
    celery_app._pool = None
    tasking.broker_state_reset()
    try:
        assert enqueue(deliver_batch, [1]) is False
        with mock.patch.object(tasking, "publish_connection") as connect:
            assert enqueue(deliver_batch, [2]) is False
        assert not connect.called  # no second wait on the same dead broker
        tasking.broker_state_reset()
        with mock.patch.object(tasking, "publish_connection", side_effect=OSError("refused")) as connect:
            assert enqueue(deliver_batch, [3]) is False
        assert connect.called  # once the moment has passed it tries again
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = old
        celery_app._pool = None
        tasking.broker_state_reset()
    assert "broker unavailable a moment ago" in caplog.text


def test_offline_publishes_nothing_and_warns_about_no_broker(caplog):
    from portal import tasking

    old = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = False, "redis://127.0.0.1:1/0"
    celery_app._pool = None
    tasking.broker_state_reset()
    try:
        with caplog.at_level("INFO"), mock.patch.object(tasking, "publish_connection") as connect:
            with tasking.offline():
                assert enqueue(deliver_batch, [1]) is False
            assert not connect.called
            assert not [r for r in caplog.records if r.levelname == "WARNING"]
        # after the block the broker is tried again (and found down)
        assert enqueue(deliver_batch, [2]) is False
        assert "broker unavailable; " in caplog.text
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = old
        celery_app._pool = None
        tasking.broker_state_reset()
