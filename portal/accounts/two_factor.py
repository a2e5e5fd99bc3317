"""Two-factor sign-in: a TOTP authenticator app plus single-use recovery codes (django-otp).

Staff (commissioners, department handlers, supervisors, administrators) may enrol from their profile;
the roles in ``TWO_FACTOR_REQUIRED_ROLES`` must. After a correct password a user with an authenticator
is not logged in until a code (or a recovery code) is accepted; a user who must enrol and has not yet
reaches only the enrolment page. Enterprise users sign in with their password only.
"""

import re
import time
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .models import AuditEvent, Role

PENDING_SESSION_KEY = "two_factor_pending"
CODES_SESSION_KEY = "two_factor_new_codes"
PENDING_SECONDS = 5 * 60
RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "authenticator"
RECOVERY_NAME = "recovery"

# What a user who still has to enrol may open.
OPEN_PATH_PREFIXES = ("/i18n/", "/healthz", "/static/")
OPEN_URL_NAMES = ("accounts:two_factor", "accounts:two_factor_codes", "accounts:logout", "accounts:login")


def applies_to(user) -> bool:
    """Staff may use two-factor sign-in; an enterprise user (and only that) never is asked."""
    return bool(user.roles - {Role.ENTERPRISE})


def required_for(user) -> bool:
    return bool(user.roles & set(settings.TWO_FACTOR_REQUIRED_ROLES))


def authenticator_of(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def asks_for_code(user) -> bool:
    return applies_to(user) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Enrolment -------------------------------------------------------------------------------------


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up; the same one until it is confirmed, so a reload keeps the QR."""
    device = authenticator_of(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an authenticator app by hand."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG (no image request, nothing from outside the portal)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    return re.sub(r'width="[^"]+" height="[^"]+"', 'width="220" height="220" role="img"', svg, count=1)


def normalize(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with a fresh set; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def enrolment_confirm(*, request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with its first code; returns the new recovery codes, or None if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    user = request.user
    if not device.verify_token(normalize(code)):
        audit_record(
            action=AuditEvent.Action.TWO_FACTOR_FAILED,
            actor=user,
            request=request,
            target=_target(user),
            detail={"step": "enrolment"},
        )
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = new_recovery_codes(user)
    audit_record(action=AuditEvent.Action.TWO_FACTOR_ENROLLED, actor=user, request=request, target=_target(user))
    # The code just proved the second factor: this session counts as verified.
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    user.otp_device = device
    return codes


def recovery_codes_regenerate(*, request) -> list[str]:
    codes = new_recovery_codes(request.user)
    audit_record(
        action=AuditEvent.Action.TWO_FACTOR_CODES_REGENERATED,
        actor=request.user,
        request=request,
        target=_target(request.user),
    )
    return codes


def devices_remove(*, user, actor, request, action: str) -> int:
    """Delete every authenticator and recovery code of ``user`` (turned off by them, or reset by an administrator)."""
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
        audit_record(action=action, actor=actor, request=request, target=_target(user), detail={"removed": removed})
    return removed


# --- Sign-in ---------------------------------------------------------------------------------------


def pending_start(request, user, next_url: str) -> None:
    """The password was right; remember who is signing in until their code arrives."""
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "since": time.time(),
        "next": next_url,
    }


def pending_of(request) -> dict | None:
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    return pending


class CodeCheck:
    """The outcome of checking a code typed on the sign-in page."""

    def __init__(self, device=None, throttled: bool = False):
        self.device = device
        self.throttled = throttled

    @property
    def ok(self) -> bool:
        return self.device is not None


def code_check(*, request, user, code: str) -> CodeCheck:
    """Try the code against the authenticator, or as a recovery code (used up on success); audit either way."""
    code = normalize(code)
    recovery = not code.isdigit()
    model = StaticDevice if recovery else TOTPDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            check = CodeCheck()
        elif not device.verify_is_allowed()[0]:
            check = CodeCheck(throttled=True)
        elif device.verify_token(code):
            check = CodeCheck(device)
        else:
            check = CodeCheck()
    kind = "recovery" if recovery else "authenticator"
    if check.ok and recovery:
        audit_record(
            action=AuditEvent.Action.TWO_FACTOR_RECOVERY_USED,
            actor=user,
            request=request,
            target=_target(user),
            detail={"left": recovery_codes_left(user)},
        )
    elif check.ok:
        audit_record(action=AuditEvent.Action.TWO_FACTOR_VERIFIED, actor=user, request=request, target=_target(user))
    else:
        audit_record(
            action=AuditEvent.Action.TWO_FACTOR_FAILED,
            actor=user,
            request=request,
            target=_target(user),
            detail={"step": "sign-in", "kind": kind, "throttled": check.throttled},
        )
    return check


def _target(user) -> str:
    return f"user:{user.pk} {user.get_username()}"


# --- Enforcement -----------------------------------------------------------------------------------


class TwoFactorMiddleware:
    """Keep unverified sessions of staff with an authenticator out, and staff who must enrol on the enrolment page.

    Goes after django_otp's OTPMiddleware (which sets ``user.is_verified()``) and the idle timeout.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if request.path == reverse("admin:login") and not (user and user.is_authenticated):
            # The admin's own login form knows nothing of the second factor: sign in through the portal's.
            query = request.META.get("QUERY_STRING", "")
            return redirect(reverse(settings.LOGIN_URL) + (f"?{query}" if query else ""))
        # Only the roles that must use a second factor are checked on every request (one query while
        # unverified); for the others the login form asks for the code of those who enrolled.
        if user is None or not user.is_authenticated or not required_for(user) or user.is_verified():
            return self.get_response(request)
        if asks_for_code(user):
            # Signed in without the code (e.g. a session from before enrolment): sign in again.
            logout(request)
            return self._send(request, f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
        if not self._is_open(request.path):
            return self._send(request, reverse("accounts:two_factor"))
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = {reverse(name) for name in OPEN_URL_NAMES}
        static = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}"
        return path in self._open_paths or path.startswith((*OPEN_PATH_PREFIXES, static))

    @staticmethod
    def _send(request, url: str):
        response = redirect(url)
        if request.headers.get("HX-Request"):
            response["HX-Redirect"] = url
        return response
