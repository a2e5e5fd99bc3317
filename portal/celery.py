"""The Celery application and its queues.

Queues, so that one slow thing never holds up another (docs/operations.md lists the workers):

- ``periodic``: every task the beat schedule starts (sweeps, refreshes, purges); its own worker, so a
  busy delivery queue never keeps the reminder sweep from running;
- ``deliver.<channel>`` (``deliver.email``, ``deliver.sms``, ...): deliveries, one queue per channel,
  chosen when they are enqueued (``portal.notifications.services.enqueue_now``);
- ``celery``: everything else (large exports).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

DEFAULT_QUEUE = "celery"
PERIODIC_QUEUE = "periodic"

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def periodic_task_names() -> set[str]:
    return {entry["task"] for entry in (app.conf.beat_schedule or {}).values()}


def route_task(name, args, kwargs, options, task=None, **kw):
    """``CELERY_TASK_ROUTES``: tasks of the beat schedule run on the periodic queue. An explicit
    ``queue`` given when sending wins; anything else goes to the default queue."""
    if name in periodic_task_names():
        return {"queue": PERIODIC_QUEUE}
    return None
