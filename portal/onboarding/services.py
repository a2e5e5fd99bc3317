"""Every write of registration and recovery: applying, deciding, resetting a password.

Each decision runs in one transaction (account, membership and, when proposed, the enterprise appear
together or not at all), writes an audit event and tells the applicant after the commit.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent, User
from portal.notifications.services import notify
from portal.orgs.models import Enterprise, EnterpriseMembership

from . import codes
from .models import Application, Invitation, PhoneCode
from .selectors import application_reviewers, may_decide

logger = logging.getLogger(__name__)


def check_phone_free(phone: str) -> None:
    if User.objects.filter(phone=phone).exists() or User.objects.filter(username=phone).exists():
        raise ValidationError(
            _("This mobile number already has an account. Sign in, or reset the password if you forgot it."),
            code="phone_in_use",
        )


def check_no_pending(phone: str) -> None:
    if Application.objects.filter(phone=phone, status=Application.Status.PENDING).exists():
        raise ValidationError(
            _("An application with this mobile number is already waiting for approval; you will be told by SMS."),
            code="duplicate_application",
        )


def application_submit(*, data: dict, request) -> Application:
    """Record a verified application; ``data`` is the registration form's cleaned data (password hashed)."""
    phone = data["phone"]
    check_phone_free(phone)
    enterprise = Enterprise.objects.filter(credit_code=data["credit_code"]).first()
    try:
        with transaction.atomic():
            check_no_pending(phone)
            app = Application.objects.create(
                kind=Application.Kind.JOIN if enterprise else Application.Kind.PROPOSE,
                credit_code=data["credit_code"],
                enterprise_name=enterprise.name if enterprise else data["enterprise_name"],
                region=enterprise.region if enterprise else data["region"],
                industry=data["industry"],
                size=data["size"],
                contact_name=data["contact_name"],
                phone=phone,
                password_hash=data["password_hash"],
                enterprise=enterprise,
            )
            audit_record(
                action=AuditEvent.Action.REGISTRATION,
                request=request,
                username=phone,
                target=str(app),
                target_type="onboarding.application",
                target_id=str(app.pk),
                detail={"step": "applied", "kind": app.kind, "credit_code": app.credit_code},
            )
            reviewers = application_reviewers(app)
            notify(
                users=reviewers,
                kind="registration",
                title=_("%(name)s applies for an account of %(enterprise)s")
                % {"name": app.contact_name, "enterprise": app.enterprise_name},
                url=reverse("onboarding:application_detail", args=[app.pk]),
            )
    except IntegrityError as exc:  # a second submit raced the first one
        raise ValidationError(
            _("An application with this mobile number is already waiting for approval; you will be told by SMS."),
            code="duplicate_application",
        ) from exc
    return app


def _tell_applicant(phone: str, text: str) -> None:
    transaction.on_commit(lambda: codes.sms_send(phone=phone, text=text))


def _locked_pending(actor, application_id: int) -> Application:
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("enterprise", "region")
        .get(pk=application_id)
    )
    if app.status != Application.Status.PENDING:
        raise ValidationError(_("This application has already been decided."), code="decided")
    if not may_decide(actor, app):
        raise PermissionDenied
    return app


@transaction.atomic
def application_approve(*, actor, application_id: int, request=None) -> Application:
    """Create the account, its membership and (when proposed) the enterprise, all or nothing."""
    app = _locked_pending(actor, application_id)
    check_phone_free(app.phone)
    enterprise = app.enterprise or Enterprise.objects.filter(credit_code=app.credit_code).first()
    if enterprise is None:
        enterprise = Enterprise.objects.create(
            name=app.enterprise_name,
            credit_code=app.credit_code,
            region=app.region,
            industry=app.industry,
            size=app.size,
            contact_name=app.contact_name,
            contact_phone=app.phone,
        )
    user = User(
        username=app.phone,
        phone=app.phone,
        real_name=app.contact_name,
        is_enterprise_user=True,
        password=app.password_hash,
    )
    user.save()
    # Whoever brings a new enterprise in manages its members until the administrator names another.
    first = not enterprise.memberships.filter(is_manager=True).exists() and app.kind == Application.Kind.PROPOSE
    EnterpriseMembership.objects.create(user=user, enterprise=enterprise, is_manager=first)
    app.status = Application.Status.APPROVED
    app.enterprise, app.user = enterprise, user
    app.decided_by, app.decided_at = actor, timezone.now()
    app.password_hash = ""
    app.save(update_fields=["status", "enterprise", "user", "decided_by", "decided_at", "password_hash"])
    audit_record(
        action=AuditEvent.Action.REGISTRATION,
        actor=actor,
        request=request,
        target=str(app),
        target_type="onboarding.application",
        target_id=str(app.pk),
        detail={"step": "approved", "kind": app.kind, "enterprise": enterprise.pk, "user": user.pk},
    )
    _tell_applicant(
        app.phone,
        _("Your account for %(enterprise)s is approved. Sign in with your mobile number %(phone)s.")
        % {"enterprise": enterprise.name, "phone": app.phone},
    )
    return app


@transaction.atomic
def application_reject(*, actor, application_id: int, reason: str, request=None) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason, so the applicant knows what to do."), code="reason_required")
    app = _locked_pending(actor, application_id)
    app.status = Application.Status.REJECTED
    app.reason = reason[:500]
    app.decided_by, app.decided_at = actor, timezone.now()
    app.password_hash = ""
    app.save(update_fields=["status", "reason", "decided_by", "decided_at", "password_hash"])
    audit_record(
        action=AuditEvent.Action.REGISTRATION,
        actor=actor,
        request=request,
        target=str(app),
        target_type="onboarding.application",
        target_id=str(app.pk),
        detail={"step": "rejected", "reason": app.reason},
    )
    _tell_applicant(
        app.phone,
        _("Your application for %(enterprise)s was not approved: %(reason)s")
        % {"enterprise": app.enterprise_name, "reason": app.reason},
    )
    return app


# --- Password reset --------------------------------------------------------------------------------


def _account_for(identifier: str) -> User | None:
    field = "email__iexact" if "@" in identifier else "phone"
    return User.objects.filter(**{field: identifier}, is_active=True).order_by("pk").first()


def password_reset_request(*, identifier: str, request) -> None:
    """Send a reset code (mobile) or link (e-mail) when an account has it; behave the same when none has.

    Raises ``TooManyCodes`` over the limits, which apply whether or not the account exists.
    """
    identifier = identifier.strip()
    user = _account_for(identifier)
    if "@" in identifier:
        codes.code_send(purpose=PhoneCode.Purpose.RESET_EMAIL, phone=identifier.lower(), request=request, deliver=False)
        if user is not None:
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            link = request.build_absolute_uri(
                reverse("onboarding:reset_email", args=[uid, default_token_generator.make_token(user)])
            )
            notify(
                users=[user],
                kind="password_reset",
                title=_("Reset your password"),
                body=_("Open this link within three days to choose a new password. Ignore it if you did not ask."),
                url=link,
                urgent=True,
            )
    else:
        codes.code_send(purpose=PhoneCode.Purpose.RESET, phone=identifier, request=request, deliver=user is not None)
    audit_record(
        action=AuditEvent.Action.PASSWORD_RESET,
        request=request,
        username=user.username if user else "",
        actor=None,
        target=identifier if user else "",
        detail={"step": "requested", "channel": "email" if "@" in identifier else "sms", "account": user is not None},
    )


@transaction.atomic
def password_reset_complete(*, user: User, password: str, request, channel: str) -> None:
    """Set the new password; the change of hash ends every other session of the account."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        action=AuditEvent.Action.PASSWORD_RESET,
        actor=None,
        request=request,
        username=user.username,
        target=user.username,
        target_type="accounts.user",
        target_id=str(user.pk),
        detail={"step": "completed", "channel": channel},
    )


def password_reset_by_code(*, phone: str, code: str, password: str, request) -> bool:
    """True when the code was right and the password is set; False (and nothing changed) otherwise."""
    if not codes.code_use(purpose=PhoneCode.Purpose.RESET, phone=phone, code=code):
        return False
    user = _account_for(phone)
    if user is None:
        return False
    password_reset_complete(user=user, password=password, request=request, channel="sms")
    return True


# --- Colleagues: invitations and removal ----------------------------------------------------------

INVITATION_TTL = timedelta(days=7)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def access_membership(user, enterprise_id: int) -> EnterpriseMembership:
    """The user's own membership of the enterprise, or PermissionDenied."""
    membership = EnterpriseMembership.objects.filter(user=user, enterprise_id=enterprise_id, user__is_active=True)
    membership = membership.select_related("enterprise").first()
    if membership is None:
        raise PermissionDenied
    return membership


def invitation_send(*, actor, enterprise_id: int, phone: str, request) -> Invitation:
    """A member invites a colleague by mobile; the SMS carries a link that works once, for seven days."""
    membership = access_membership(actor, enterprise_id)
    check_phone_free(phone)
    codes.check_send_allowed(phone=phone, address=codes.client_ip(request), now=timezone.now())
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            enterprise=membership.enterprise,
            phone=phone,
            token_hash=_token_hash(token),
            invited_by=actor,
            expires_at=timezone.now() + INVITATION_TTL,
        )
        codes.record_send(purpose=PhoneCode.Purpose.INVITE, phone=phone, request=request)
        audit_record(
            action=AuditEvent.Action.REGISTRATION,
            actor=actor,
            request=request,
            target=str(invitation),
            target_type="onboarding.invitation",
            target_id=str(invitation.pk),
            detail={"step": "invited", "enterprise": membership.enterprise_id},
        )
    link = request.build_absolute_uri(reverse("onboarding:invitation_accept", args=[token]))
    _tell_applicant(
        phone,
        _("%(name)s invites you to act for %(enterprise)s on the portal. Open %(link)s within seven days.")
        % {"name": actor.display_name, "enterprise": membership.enterprise.name, "link": link},
    )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The open invitation a link names, or None when it is unknown, used or expired."""
    return (
        Invitation.objects.filter(
            token_hash=_token_hash(token or ""), accepted_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("enterprise", "invited_by")
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, real_name: str, password: str, request) -> User:
    """Create the colleague's account and membership, once."""
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ValidationError(_("This invitation has been used or has expired. Ask your colleague for a new one."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has been used or has expired. Ask your colleague for a new one."))
    check_phone_free(invitation.phone)
    user = User(username=invitation.phone, phone=invitation.phone, real_name=real_name, is_enterprise_user=True)
    user.set_password(password)
    user.save()
    EnterpriseMembership.objects.create(user=user, enterprise=invitation.enterprise)
    invitation.accepted_at, invitation.user = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "user"])
    audit_record(
        action=AuditEvent.Action.REGISTRATION,
        actor=None,
        request=request,
        username=user.username,
        target=str(invitation),
        target_type="onboarding.invitation",
        target_id=str(invitation.pk),
        detail={"step": "invitation_accepted", "enterprise": invitation.enterprise_id, "user": user.pk},
    )
    return user


def sessions_end(user) -> int:
    """Sign the user out everywhere at once: delete every live session that belongs to them."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def member_remove(*, actor, membership_id: int, request=None) -> EnterpriseMembership:
    """The managing member removes a colleague who left: the membership goes, and an account that acted for
    nothing else is deactivated and signed out at once."""
    membership = (
        EnterpriseMembership.objects.select_for_update(of=("self",))
        .select_related("user", "enterprise")
        .get(pk=membership_id)
    )
    mine = access_membership(actor, membership.enterprise_id)
    if not mine.is_manager:
        raise PermissionDenied
    if membership.user_id == actor.pk:
        raise ValidationError(_("You cannot remove yourself; ask the administrator to name another managing member."))
    user = membership.user
    membership.delete()
    acts_elsewhere = EnterpriseMembership.objects.filter(user=user).exists() or bool(user.roles - {"enterprise"})
    if not acts_elsewhere:
        user.is_active = False
        user.save(update_fields=["is_active"])
    ended = sessions_end(user)
    audit_record(
        action=AuditEvent.Action.MEMBER_REMOVED,
        actor=actor,
        request=request,
        target=f"{user.username} @ {membership.enterprise}",
        target_type="accounts.user",
        target_id=str(user.pk),
        detail={"enterprise": membership.enterprise_id, "deactivated": not acts_elsewhere, "sessions_ended": ended},
    )
    return membership
