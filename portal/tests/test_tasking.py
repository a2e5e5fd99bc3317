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
