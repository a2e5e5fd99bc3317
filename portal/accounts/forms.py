from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import User


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile phone"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        "invalid_login": _(
            "The username/phone or password is wrong. After 5 failed attempts the account is locked for 15 minutes."
        ),
        "inactive": _("This account is disabled. Contact the administrator."),
    }


class ProfileForm(forms.ModelForm):
    notify_channels = forms.MultipleChoiceField(
        label=_("Also notify me by"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[("sms", _("SMS")), ("wecom", _("WeCom")), ("dingtalk", _("DingTalk"))],
    )

    class Meta:
        model = User
        fields = ["real_name", "email", "language", "notify_channels"]


class TwoFactorCodeForm(forms.Form):
    """A six-digit code from the authenticator app (or, when signing in, a recovery code)."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "autocapitalize": "off",
                "spellcheck": "false",
                "class": "form-control form-control-lg text-center",
            }
        ),
        error_messages={"required": _("Enter the 6-digit code shown in your authenticator app.")},
    )

    def refuse(self, message) -> None:
        """Show ``message`` beside the field and empty it, so the next code is typed afresh."""
        self.add_error("code", message)
        self.data = self.data.copy()
        self.data["code"] = ""
        self.fields["code"].widget.attrs["aria-invalid"] = "true"
