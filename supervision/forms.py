"""Filter forms of the supervision pages. Bad input never raises: the field falls back to its default
and the page says what was ignored."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape

from django import forms
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from issues.filters import check_filter_date
from issues.models import Category, Source
from portal.orgs.models import Department, Industry, Region
from portal.orgs.selectors import region_scope_for

from .models import BigScreenToken, ReturnVisit


class Period:
    MONTH = "month"
    YEAR = "year"
    CUSTOM = "custom"
    CHOICES = [(MONTH, _("This month")), (YEAR, _("This year")), (CUSTOM, _("From – to"))]


@dataclass(frozen=True)
class Filters:
    """What the supervisor asked for, validated against their scope."""

    start: date
    end: date  # inclusive
    period: str
    region: Region | None = None
    department: Department | None = None
    category: Category | None = None
    industry: str = ""
    source: str = ""

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def as_params(self) -> dict:
        params = {"period": self.period}
        if self.period == Period.CUSTOM:
            params["from"], params["to"] = self.start.isoformat(), self.end.isoformat()
        for key in ("region", "department", "category"):
            value = getattr(self, key)
            if value is not None:
                params[key] = str(value.pk)
        if self.industry:
            params["industry"] = self.industry
        if self.source:
            params["source"] = self.source
        return params


class PlainSelect(forms.Select):
    """A select drawn as one string instead of one template per option: a province's department choice
    holds over a thousand options, which the option templates take tens of milliseconds to draw. The
    markup is the same as ``forms.Select``'s."""

    def render(self, name, value, attrs=None, renderer=None):
        final = {"name": name, **self.build_attrs(self.attrs, attrs)}
        chosen = set(self.format_value(value))
        # attributes in the order and form of django/forms/widgets/attrs.html
        drawn = "".join(
            f" {key}" if val is True else f' {key}="{escape(str(val))}"'
            for key, val in final.items()
            if val is not False
        )
        parts = [f"<select{drawn}>"]
        for option, label in self.choices:
            option = "" if option is None else str(option)
            selected = " selected" if option in chosen else ""
            chosen.discard(option)  # one selected option, as forms.Select draws it
            parts.append(f'<option value="{escape(option)}"{selected}>{escape(str(label))}</option>')
        parts.append("</select>")
        return mark_safe("\n  ".join(parts))


class NamedChoices(BaseChoiceIterator):
    """The choices of a model choice drawn from (id, name) pairs, not model instances, read only when
    the options are drawn (the empty choice comes first without a query)."""

    def __init__(self, empty_label, queryset):
        self.empty_label, self.queryset = empty_label, queryset

    def __iter__(self):
        yield "", self.empty_label
        yield from self.queryset.values_list("pk", "name")


class LabelledChoices(NamedChoices):
    """The choices of a model choice labelled as the model names itself (a category's English name in
    English), read in one plain query: Django's own iterator reads them through a server-side cursor,
    three round trips on PostgreSQL."""

    def __iter__(self):
        yield "", self.empty_label
        for obj in list(self.queryset):
            yield obj.pk, str(obj)


class SupervisionFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=Period.CHOICES, required=False, widget=PlainSelect)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[check_filter_date],
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[check_filter_date],
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("Whole scope"),
        widget=PlainSelect,
        error_messages={
            "invalid_choice": _("This region is outside your supervision scope; its figures are not shown.")
        },
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("All departments"),
        widget=PlainSelect,
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("All categories"),
        widget=PlainSelect,
    )
    industry = forms.ChoiceField(
        label=_("Industry"), choices=[("", _("All industries")), *Industry.choices], required=False, widget=PlainSelect
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("All sources")), *Source.choices], required=False, widget=PlainSelect
    )

    def __init__(self, data, *, user, scope=None, **kwargs):
        """``scope``: the supervisor's ``selectors.Scope`` when the page has read it already; the region
        choice is then drawn from it without reading the regions again."""
        data = data.copy() if data is not None else {}
        # The URL speaks of from/to; the form fields cannot be called "from".
        if "from" in data:
            data["date_from"] = data.get("from")
        if "to" in data:
            data["date_to"] = data.get("to")
        if not data.get("period"):
            data["period"] = Period.YEAR
        super().__init__(data, **kwargs)
        if scope is None:
            regions = region_scope_for(user)
            self.fields["region"].queryset = regions.order_by("path")
            self.fields["department"].queryset = Department.objects.filter(region__in=regions).order_by(
                "region__path", "name"
            )
        else:
            ids = list(scope.ids) or [0]
            region = self.fields["region"]
            region.queryset = Region.objects.filter(pk__in=ids).order_by("path")
            region.widget.choices = [("", region.empty_label), *((r.pk, r.name) for r in scope.regions)]
            department = self.fields["department"]
            department.queryset = Department.objects.filter(region_id__in=ids).order_by("region__path", "name")
            department.widget.choices = NamedChoices(department.empty_label, department.queryset)
        category = self.fields["category"]
        category.widget.choices = LabelledChoices(category.empty_label, category.queryset)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def filters(self, today: date | None = None) -> tuple[Filters, list[str]]:
        """The validated filters and the messages about what was ignored."""
        today = today or timezone.localdate()
        self.is_valid()
        notes = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else name
            notes.append(
                gettext("%(field)s: %(error)s The default is used instead.")
                % {"field": label, "error": " ".join(errors)}
            )
        data = getattr(self, "cleaned_data", {})
        period = data.get("period") or Period.YEAR
        start, end = date(today.year, 1, 1), today
        if period == Period.MONTH:
            start = today.replace(day=1)
        elif period == Period.CUSTOM:
            date_from, date_to = data.get("date_from"), data.get("date_to")
            if date_from and date_to and date_from <= date_to:
                start, end = date_from, date_to
            else:
                if "date_from" not in self.errors and "date_to" not in self.errors:
                    notes.append(
                        gettext(
                            "Enter both dates of the period as YYYY-MM-DD, the first not after the "
                            "second. This year is shown instead."
                        )
                    )
                period = Period.YEAR
        return Filters(
            start=start,
            end=end,
            period=period,
            region=data.get("region"),
            department=data.get("department"),
            category=data.get("category"),
            industry=data.get("industry") or "",
            source=data.get("source") or "",
        ), notes


class RepublishForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for republishing"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class BigScreenTokenForm(forms.ModelForm):
    class Meta:
        model = BigScreenToken
        fields = ["region", "label"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = region_scope_for(user).order_by("path")
        self.fields["region"].widget.attrs["class"] = "form-select"
        self.fields["label"].widget.attrs["class"] = "form-control"


class CommonIssueForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=100, widget=forms.TextInput(attrs={"class": "form-control"}))
    standard_answer = forms.CharField(
        label=_("standard answer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
    )


class ReturnVisitForm(forms.ModelForm):
    class Meta:
        model = ReturnVisit
        fields = ["outcome", "note"]
        labels = {"outcome": _("What the enterprise said"), "note": _("Notes of the call")}
        widgets = {
            "outcome": forms.RadioSelect(attrs={"class": "form-check-input"}),
            "note": forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # one of the four answers is always chosen: no empty "---------" choice
        self.fields["outcome"].choices = ReturnVisit.Outcome.choices
