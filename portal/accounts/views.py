from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import two_factor
from .forms import LoginForm, ProfileForm
from .middleware import set_language_cookie
from .models import Role

# Where each role does its work; the first role a user holds in this order wins.
ROLE_HOMES = [
    (Role.ADMINISTRATOR, "admin:index"),
    (Role.SUPERVISOR, "supervision:dashboard"),
    (Role.COMMISSIONER, "issues:queue"),
    (Role.HANDLER, "issues:department_queue"),
    (Role.ENTERPRISE, "issues:my_requests"),
]


def role_links(user) -> list[tuple[str, str, str]]:
    """(role, label, url) for every role the user holds."""
    labels = dict(Role.choices)
    return [(role, labels[role], reverse(name)) for role, name in ROLE_HOMES if user.has_role(role)]


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.asks_for_code(user):
            # The password was right; the session is logged in only once the second factor is.
            two_factor.pending_start(self.request, user, self.get_success_url())
            return redirect("accounts:two_factor_verify")
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's change-password page; a successful change also lifts "must change password"."""

    success_url = "/"

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        return response


@login_required
def home(request):
    links = role_links(request.user)
    if len(links) == 1 or (links and not request.GET.get("choose")):
        if len(links) == 1:
            return redirect(links[0][2])
    return render(request, "accounts/home.html", {"links": links})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("Your profile has been saved."))
        response = redirect("accounts:profile")
        set_language_cookie(response, user.language)
        return response
    context = {"form": form, "two_factor_applies": two_factor.applies_to(request.user)}
    if context["two_factor_applies"]:
        context["two_factor_on"] = two_factor.authenticator_of(request.user) is not None
    return render(request, "accounts/profile.html", context)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
