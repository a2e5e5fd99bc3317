"""The demo seed on a machine whose broker is not running yet (real commits: its own module, apart from the
tests that share one seeded city inside a transaction)."""

import io

from django.core.management import call_command


def test_the_first_seed_warns_about_no_broker(transactional_db, caplog):
    """scripts/dev seeds the demo city before the portal starts its Redis: nothing it would send is a
    broker warning in the newcomer's first screen."""
    from portal import celery_app, tasking

    old = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = False, "redis://127.0.0.1:1/0"
    celery_app._pool = None
    tasking.broker_state_reset()
    try:
        # real commits, so the tasks are asked for inside the command, as in scripts/dev
        with caplog.at_level("DEBUG", logger="portal.tasking"):
            call_command("seed_demo", stdout=io.StringIO())
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = old
        celery_app._pool = None
        tasking.broker_state_reset()
    asked = [r for r in caplog.records if r.name == "portal.tasking"]
    assert asked  # the seed's writes did ask for tasks
    assert not [r for r in asked if r.levelname != "DEBUG"]
