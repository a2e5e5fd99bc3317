"""Input checks for the project page's forms; the rules themselves are in services.py and permissions.py."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Stage, period_of, previous_period
from .problems import problem_desk

RECENT_PERIODS = 6


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class DateInput(forms.DateInput):
    input_type = "date"


class StageForm(BootstrapMixin, forms.Form):
    to_stage = forms.ChoiceField(label=_("New stage"), choices=Stage.choices)
    changed_on = forms.DateField(label=_("Date of change"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the project moves back to an earlier stage."),
    )


def recent_periods(today: datetime.date) -> list[tuple[str, str]]:
    """The half-month under way and the ones before it, newest first, as form choices."""
    choices, (start, end) = [], period_of(today)
    for _index in range(RECENT_PERIODS):
        choices.append((start.isoformat(), f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"))
        start, end = previous_period(start)
    return choices


class ReportForm(BootstrapMixin, forms.Form):
    period = forms.DateField(label=_("Half-month"), widget=forms.Select)
    progress = forms.CharField(label=_("Progress"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    investment = forms.DecimalField(
        label=_("Investment completed in the period (10k yuan)"), min_value=0, max_digits=14, decimal_places=2
    )
    stage = forms.ChoiceField(label=_("Current stage"), choices=Stage.choices)
    stage_reason = forms.CharField(
        label=_("Reason for the stage"),
        required=False,
        max_length=2000,
        help_text=_("Required when the stage moves back."),
    )
    problems = forms.CharField(
        label=_("Problems needing help"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A problem is filed as a request of the owner enterprise and follows the 1-3-3 handling."),
    )
    problem_category = forms.TypedChoiceField(label=_("Category of the problem"), required=False, coerce=int)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].widget.choices = recent_periods(timezone.localdate())
        self.fields["stage"].initial = project.stage
        self.fields["problem_category"].choices = [("", "—"), *problem_desk().categories()]
        self.fields["problem_category"].empty_value = None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("problems", "").strip() and not cleaned.get("problem_category"):
            self.add_error("problem_category", _("Choose the category of the problem."))
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class PhotoForm(BootstrapMixin, forms.Form):
    photos = MultipleFileField(label=_("Photos"), help_text=_("Pictures of the site; checked by their content."))
    caption = forms.CharField(label=_("Caption"), required=False, max_length=200)
