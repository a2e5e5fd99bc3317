"""Every queue a task can be sent to is consumed by run_portal and by the sample systemd units, beat's
tasks run on the periodic queue, and every task is registered under an explicit, stable name."""

import ast
import re
from pathlib import Path

from django.conf import settings

from portal import celery_app
from portal.accounts.management.commands.run_portal import worker_groups
from portal.celery import DEFAULT_QUEUE, PERIODIC_QUEUE
from portal.notifications.channels import DELIVERY_CHANNELS, delivery_queue

ROOT = Path(settings.BASE_DIR)
UNITS = ROOT / "deploy" / "systemd"


def project_tasks() -> dict[str, object]:
    celery_app.loader.import_default_modules()
    return {name: task for name, task in celery_app.tasks.items() if not name.startswith("celery.")}


def routed_queue(name: str) -> str:
    route = celery_app.amqp.router.route({}, name, (), {})
    return route["queue"].name


def queues_sent_to() -> set[str]:
    return {routed_queue(name) for name in project_tasks()} | {delivery_queue(c) for c in DELIVERY_CHANNELS}


def unit_queues() -> set[str]:
    """Queues the units enabled by portal-workers.target consume (template units once per instance)."""
    target = (UNITS / "portal-workers.target").read_text()
    wanted = [name for line in re.findall(r"^Wants=(.*)$", target, re.M) for name in line.split()]
    queues = set()
    for unit in wanted:
        template = re.sub(r"@[^.]+\.service$", "@.service", unit)
        instance = unit.split("@", 1)[1].removesuffix(".service") if "@" in unit else ""
        text = (UNITS / template).read_text()
        for command in re.findall(r"^ExecStart=(.*)$", text, re.M):
            if " worker " in command:
                queues.update(re.search(r"-Q (\S+)", command).group(1).replace("%i", instance).split(","))
    return queues


def test_beat_tasks_run_on_the_periodic_queue():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule
    tasks = project_tasks()
    for entry in schedule.values():
        assert entry["task"] in tasks, f"{entry['task']} is scheduled but no such task is registered"
        assert routed_queue(entry["task"]) == PERIODIC_QUEUE, entry["task"]


def test_deliveries_and_exports_stay_off_the_periodic_queue():
    assert routed_queue("portal.notifications.tasks.deliver_batch") == DEFAULT_QUEUE
    assert routed_queue("portal.supervision.tasks.write_export") == DEFAULT_QUEUE
    assert {delivery_queue(c) for c in DELIVERY_CHANNELS} == {
        "deliver.email",
        "deliver.sms",
        "deliver.wecom",
        "deliver.dingtalk",
    }


def test_run_portal_consumes_every_queue_a_task_is_sent_to():
    groups = worker_groups()
    consumed = {queue for queues in groups.values() for queue in queues}
    assert queues_sent_to() <= consumed
    assert groups["periodic"] == [PERIODIC_QUEUE]  # the sweeps have a worker of their own


def test_the_sample_systemd_units_consume_every_queue_a_task_is_sent_to():
    assert queues_sent_to() <= unit_queues()
    periodic = (UNITS / "portal-worker-periodic.service").read_text()
    assert "-Q periodic " in periodic
    assert "celery -A portal beat" in (UNITS / "portal-beat.service").read_text()


# Tasks that moved keep the name they were first queued under (supervision/ was portal/supervision/).
MOVED = {"supervision.tasks": "portal.supervision.tasks"}


def test_every_task_has_an_explicit_name_equal_to_its_dotted_path():
    """Queued messages and the beat schedule name tasks: moving code must not orphan them."""
    found = 0
    for path in ROOT.glob("**/tasks.py"):
        if ".venv" in path.parts:
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                call = decorator if isinstance(decorator, ast.Call) else None
                func = call.func if call else decorator
                if getattr(func, "id", getattr(func, "attr", "")) != "shared_task":
                    continue
                names = [k.value.value for k in (call.keywords if call else []) if k.arg == "name"]
                expected = f"{MOVED.get(module, module)}.{node.name}"
                assert names == [expected], f"{module}.{node.name} needs name={expected!r}"
                found += 1
    assert found >= len(project_tasks())
