from celery import shared_task

from .notices import policy_notify


@shared_task(name="knowledge.tasks.notify_policy", acks_late=True, soft_time_limit=600, time_limit=660)
def notify_policy(entry_id: int) -> int:
    """Tell the enterprises a published policy matches (each once; safe to run again)."""
    return policy_notify(entry_id=entry_id)
