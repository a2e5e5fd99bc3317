"""Writing audit events: the one place that knows how to describe who did what from where."""

from .clientip import client_ip
from .models import AuditEvent


def audit_record(
    *, action: str, actor=None, request=None, target: str = "", detail: dict | None = None, username: str = ""
) -> AuditEvent:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        username=username or (actor.get_username() if actor else ""),
        ip_address=client_ip(request),
        target=target[:200],
        detail=detail or {},
    )
