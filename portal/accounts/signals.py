from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Sum
from django.dispatch import receiver

from .audit import audit_record
from .idle import mark_signed_in
from .models import AuditEvent


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    mark_signed_in(request)
    audit_record(action=AuditEvent.Action.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditEvent.Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED, request=request, username=str(credentials.get("username", ""))[:150]
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    """One row when a lockout begins: the account, the client address, or both reached the limit with this
    failure. Attempts made while already locked are in the failed-login rows."""
    limit = settings.AXES_FAILURE_LIMIT
    failures = {
        "account": _failures(username=username) if username else 0,
        "address": _failures(ip_address=ip_address) if ip_address else 0,
    }
    began = [what for what, count in failures.items() if count == limit]
    if not began:
        return
    audit_record(
        action=AuditEvent.Action.LOCKED_OUT,
        request=request,
        username=str(username or "")[:150],
        target=f"user:{username}" if "account" in began else f"address:{ip_address}",
        detail={"locked": began, "failures": failures},
    )


def _failures(**lookup) -> int:
    return AccessAttempt.objects.filter(**lookup).aggregate(total=Sum("failures_since_start"))["total"] or 0
