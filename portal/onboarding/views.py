"""Thin views of registration, the applications queue and password reset."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.accounts.models import User
from portal.orgs.models import EnterpriseMembership, Region

from . import codes, services
from .forms import (
    AcceptForm,
    CodeForm,
    DecisionForm,
    InviteForm,
    RegistrationForm,
    ResetCodeForm,
    ResetRequestForm,
)
from .models import PhoneCode
from .selectors import application_queue_for, application_visible_to, may_decide
from .tokens import enterprise_from_token

REGISTRATION_SESSION_KEY = "onboarding_application"
RESET_SESSION_KEY = "onboarding_reset_phone"
CODE_WRONG = gettext_lazy("The code is wrong or has expired. Check the SMS, or go back and ask for a new code.")


@require_http_methods(["GET", "POST"])
def register(request):
    """Step 1: the enterprise and the applicant; a code is sent to the mobile."""
    enterprise = enterprise_from_token(request.GET.get("t", ""))
    initial = {}
    if enterprise is not None:
        initial = {
            "credit_code": enterprise.credit_code,
            "enterprise_name": enterprise.name,
            "region": enterprise.region_id,
            "industry": enterprise.industry,
            "size": enterprise.size,
        }
    form = RegistrationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            codes.code_send(purpose=PhoneCode.Purpose.REGISTER, phone=data["phone"], request=request)
        except codes.TooManyCodes as exc:
            form.add_error(None, exc)
        else:
            request.session[REGISTRATION_SESSION_KEY] = {
                **{k: data[k] for k in ("credit_code", "enterprise_name", "industry", "size", "contact_name", "phone")},
                "region": data["region"].pk,
                "password_hash": make_password(data["password1"]),
            }
            return redirect("onboarding:register_verify")
    return render(request, "onboarding/register.html", {"form": form, "enterprise": enterprise})


@require_http_methods(["GET", "POST"])
def register_verify(request):
    """Step 2: the code from the SMS proves the mobile; then the application is recorded."""
    pending = request.session.get(REGISTRATION_SESSION_KEY)
    if not pending:
        return redirect("onboarding:register")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if not codes.code_use(purpose=PhoneCode.Purpose.REGISTER, phone=pending["phone"], code=code):
            form.add_error("code", CODE_WRONG)
        else:
            data = {**pending, "region": get_object_or_404(Region, pk=pending["region"])}
            try:
                services.application_submit(data=data, request=request)
            except ValidationError as exc:
                del request.session[REGISTRATION_SESSION_KEY]
                messages.error(request, exc.messages[0])
                return redirect("onboarding:register")
            del request.session[REGISTRATION_SESSION_KEY]
            return redirect("onboarding:register_done")
    return render(request, "onboarding/register_verify.html", {"form": form, "phone": pending["phone"]})


def register_done(request):
    return render(request, "onboarding/register_done.html")


@login_required
def application_list(request):
    if not (request.user.is_commissioner or request.user.is_administrator):
        raise PermissionDenied
    apps = application_queue_for(request.user).order_by("created_at")[:200]
    return render(request, "onboarding/application_list.html", {"applications": apps})


@login_required
@require_http_methods(["GET", "POST"])
def application_detail(request, pk):
    app = get_object_or_404(application_visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not may_decide(request.user, app):
            raise PermissionDenied
        if form.is_valid():
            try:
                if request.POST.get("decision") == "approve":
                    services.application_approve(actor=request.user, application_id=app.pk, request=request)
                    messages.success(request, _("Approved: the account is ready and the applicant has been told."))
                else:
                    services.application_reject(
                        actor=request.user, application_id=app.pk, reason=form.cleaned_data["reason"], request=request
                    )
                    messages.success(request, _("Rejected: the applicant has been told the reason."))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("onboarding:application_list")
    existing = None
    if app.enterprise_id:
        existing = app.enterprise.memberships.select_related("user").order_by("pk")
    context = {"app": app, "form": form, "may_decide": may_decide(request.user, app), "members": existing}
    return render(request, "onboarding/application_detail.html", context)


@require_http_methods(["GET", "POST"])
def reset(request):
    """Ask for a reset code (mobile) or link (e-mail); the answer is the same whether an account exists."""
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        try:
            services.password_reset_request(identifier=identifier, request=request)
        except codes.TooManyCodes as exc:
            form.add_error(None, exc)
        else:
            if "@" in identifier:
                return redirect("onboarding:reset_sent")
            request.session[RESET_SESSION_KEY] = identifier
            return redirect("onboarding:reset_code")
    return render(request, "onboarding/reset.html", {"form": form})


def reset_sent(request):
    return render(request, "onboarding/reset_sent.html")


@require_http_methods(["GET", "POST"])
def reset_code(request):
    form = ResetCodeForm(request.POST or None, initial={"phone": request.session.get(RESET_SESSION_KEY, "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if services.password_reset_by_code(
            phone=data["phone"], code=data["code"], password=data["password1"], request=request
        ):
            request.session.pop(RESET_SESSION_KEY, None)
            messages.success(request, _("Your password has been changed. Sign in with the new one."))
            return redirect("accounts:login")
        form.add_error("code", CODE_WRONG)
    return render(request, "onboarding/reset_code.html", {"form": form})


@require_http_methods(["GET", "POST"])
def reset_email(request, uidb64, token):
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (ValueError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "onboarding/reset_email.html", {"invalid": True}, status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_complete(
            user=user, password=form.cleaned_data["new_password1"], request=request, channel="email"
        )
        messages.success(request, _("Your password has been changed. Sign in with the new one."))
        return redirect("accounts:login")
    return render(request, "onboarding/reset_email.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def members(request):
    """The colleagues of each enterprise the user acts for: invite one, or (managing member) remove one."""
    mine = list(
        EnterpriseMembership.objects.filter(user=request.user).select_related("enterprise").order_by("enterprise__name")
    )
    if not mine:
        raise PermissionDenied
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_send(
                actor=request.user,
                enterprise_id=int(request.POST.get("enterprise") or mine[0].enterprise_id),
                phone=form.cleaned_data["phone"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error("phone", exc)
        else:
            messages.success(request, _("Invitation sent by SMS."))
            return redirect("onboarding:members")
    colleagues = {
        m.enterprise_id: list(
            m.enterprise.memberships.filter(user__is_active=True).select_related("user").order_by("-is_manager", "pk")
        )
        for m in mine
    }
    sections = [(m, colleagues[m.enterprise_id]) for m in mine]
    return render(request, "onboarding/members.html", {"sections": sections, "form": form})


@login_required
@require_http_methods(["POST"])
def member_remove(request, pk):
    membership = get_object_or_404(EnterpriseMembership, pk=pk)
    try:
        services.member_remove(actor=request.user, membership_id=membership.pk, request=request)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Removed: that account can no longer act for the enterprise."))
    return redirect("onboarding:members")


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "onboarding/invitation.html", {"invalid": True}, status=400)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(
                token=token,
                real_name=form.cleaned_data["real_name"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your account is ready. Sign in with your mobile number."))
            return redirect("accounts:login")
    return render(request, "onboarding/invitation.html", {"form": form, "invitation": invitation})
