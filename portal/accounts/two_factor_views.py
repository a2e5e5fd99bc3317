"""Pages of two-factor sign-in: the code step after the password, and enrolment in the profile."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from . import two_factor
from .forms import TwoFactorCodeForm
from .models import AuditEvent

WRONG_CODE = gettext_lazy("The verification code is wrong or has expired.")


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """After a correct password: ask for the authenticator's code (or a recovery code), then log in."""
    pending = two_factor.pending_of(request)
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first() if pending else None
    if user is None:
        messages.info(request, _("Your sign-in has expired. Enter your password again."))
        return redirect("accounts:login")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = two_factor.code_check(request=request, user=user, code=form.cleaned_data["code"])
        if check.ok:
            request.session.pop(two_factor.PENDING_SESSION_KEY, None)
            user.otp_device = check.device  # django_otp marks the new session as verified on login
            auth_login(request, user, backend=pending["backend"])
            if isinstance(check.device, StaticDevice):
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(left)s are left. Generate new ones in your profile.")
                    % {"left": two_factor.recovery_codes_left(user)},
                )
            return redirect(pending["next"])
        if check.throttled:
            form.refuse(_("Too many wrong codes. Wait a minute, then try again."))
        else:
            form.refuse(WRONG_CODE)
    return render(request, "registration/two_factor_verify.html", {"form": form})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def manage(request):
    """Profile → two-factor sign-in: enrol (QR code and key, confirmed by a first code) or manage."""
    user = request.user
    if not two_factor.applies_to(user):
        raise Http404
    enrolled = two_factor.authenticator_of(user)
    form = TwoFactorCodeForm(request.POST or None)
    action = request.POST.get("action", "")
    if enrolled is None:
        device = two_factor.enrolment_device(user)
        if request.method == "POST" and form.is_valid():
            codes = two_factor.enrolment_confirm(request=request, device=device, code=form.cleaned_data["code"])
            if codes is not None:
                return _show_codes(request, codes, _("Two-factor sign-in is on."))
            form.refuse(WRONG_CODE)
        context = {
            "form": form,
            "qr_svg": two_factor.qr_svg(device),
            "secret": two_factor.secret_text(device),
            "required": two_factor.required_for(user),
        }
        return render(request, "accounts/two_factor_enrol.html", context)
    if request.method == "POST" and action == "regenerate":
        codes = two_factor.recovery_codes_regenerate(request=request)
        return _show_codes(request, codes, _("New recovery codes are ready; the old ones no longer work."))
    if request.method == "POST" and action == "disable" and form.is_valid():
        check = two_factor.code_check(request=request, user=user, code=form.cleaned_data["code"])
        if check.ok:
            two_factor.devices_remove(
                user=user, actor=user, request=request, action=AuditEvent.Action.TWO_FACTOR_DISABLED
            )
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("accounts:two_factor" if two_factor.required_for(user) else "accounts:profile")
        form.refuse(WRONG_CODE)
    context = {
        "device": enrolled,
        "form": form,
        "codes_left": two_factor.recovery_codes_left(user),
        "required": two_factor.required_for(user),
    }
    return render(request, "accounts/two_factor.html", context)


def _show_codes(request, codes: list[str], message: str):
    request.session[two_factor.CODES_SESSION_KEY] = codes
    messages.success(request, message)
    return redirect("accounts:two_factor_codes")


@login_required
@never_cache
def codes(request):
    """The new recovery codes, shown once: a reload shows them no more."""
    new_codes = request.session.pop(two_factor.CODES_SESSION_KEY, None)
    if not new_codes:
        return redirect("accounts:two_factor")
    return render(request, "accounts/two_factor_codes.html", {"codes": new_codes})
