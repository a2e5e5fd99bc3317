from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User, phone_validator
from portal.orgs.models import EnterpriseSize, Industry, Region
from portal.orgs.validators import validate_credit_code

from .services import check_no_pending, check_phone_free


class PasswordPairMixin:
    def password_user(self):
        """The account-to-be the password is checked against (not like its mobile or name)."""
        data = self.cleaned_data
        phone = data.get("phone", "")
        return User(username=phone, phone=phone, real_name=data.get("contact_name") or data.get("real_name", ""))

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                validate_password(first, self.password_user())
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class RegistrationForm(PasswordPairMixin, forms.Form):
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=1)
    enterprise_name = forms.CharField(label=_("Enterprise name"), max_length=200)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.exclude(level=Region.Level.CITY), empty_label=None
    )
    industry = forms.ChoiceField(label=_("Industry"), choices=Industry.choices)
    size = forms.ChoiceField(label=_("Size"), choices=EnterpriseSize.choices)
    contact_name = forms.CharField(label=_("Your name"), max_length=50)
    phone = forms.CharField(label=_("Your mobile number"), max_length=11, validators=[phone_validator])
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"].strip().upper()
        validate_credit_code(code)
        return code

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        check_phone_free(phone)
        check_no_pending(phone)
        return phone


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (required to reject)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResetRequestForm(forms.Form):
    identifier = forms.CharField(label=_("Mobile number or e-mail address"), max_length=254)

    def clean_identifier(self):
        value = self.cleaned_data["identifier"].strip()
        if "@" in value:
            return forms.EmailField().clean(value)
        phone_validator(value)
        return value


class ResetCodeForm(PasswordPairMixin, forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=11, validators=[phone_validator])
    code = forms.CharField(
        label=_("Verification code"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    password1 = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class InviteForm(forms.Form):
    phone = forms.CharField(label=_("Colleague's mobile number"), max_length=11, validators=[phone_validator])

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        check_phone_free(phone)
        return phone


class AcceptForm(PasswordPairMixin, forms.Form):
    real_name = forms.CharField(label=_("Your name"), max_length=50)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
