from celery import shared_task

from .notices import policy_notify, policy_sweep


@shared_task(name="knowledge.tasks.notify_policy", acks_late=True, soft_time_limit=600, time_limit=660)
def notify_policy(entry_id: int) -> int:
    """Tell the enterprises a published policy matches (each once; safe to run again)."""
    return policy_notify(entry_id=entry_id)


@shared_task(name="knowledge.tasks.sweep_policy_notices", acks_late=True, soft_time_limit=1200, time_limit=1260)
def sweep_policy_notices() -> int:
    """Catch up on policies published lately whose notices were not sent (a lost broker message, an
    enterprise that joined since)."""
    return policy_sweep()
