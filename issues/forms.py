"""Forms for filing and working requests. They validate input; the services decide what is allowed."""

import re

from django import forms
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from portal.orgs import listing
from portal.orgs.models import Department, Enterprise
from projects.models import Project

from .models import Category, Outcome, Verdict
from .services import project_fits
from .uploads import check_uploads

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file input that accepts several files; the whole batch is checked by content with check_uploads."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class BootstrapMixin:
    """Bootstrap classes on every widget, and is-invalid on fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def ask_files_again(self):
        """A browser cannot fill a file input again: after an error, say which chosen files to choose again."""
        if not self.files or getattr(self, "_files_asked", False):
            return
        self._files_asked = True
        separator = "、" if (get_language() or "").startswith("zh") else ", "
        for name, field in self.fields.items():
            chosen = (
                [f.name for f in self.files.getlist(self.add_prefix(name)) if f]
                if hasattr(self.files, "getlist")
                else []
            )
            if isinstance(field, forms.FileField) and chosen:
                self.add_error(
                    name,
                    _("The form had an error, so these files were not kept; choose them again: %(files)s")
                    % {"files": separator.join(chosen)},
                )

    def full_clean(self):
        super().full_clean()
        if self._errors:
            self.ask_files_again()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class AttachmentsMixin:
    """Checks the uploaded batch by content, counting the files the request already has."""

    existing_attachments = 0

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if files:
            check_uploads(files, existing=self.existing_attachments)
        return files


def attachments_field():
    return MultipleFileField(
        label=_l("Attachments"),
        help_text=_l("Images, PDF or Office documents; at most 10 files, 20 MB each."),
    )


class VersionedForm(BootstrapMixin, forms.Form):
    """Carries the version the page was rendered with, so a stale form changes nothing."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class RequestForm(AttachmentsMixin, BootstrapMixin, forms.Form):
    enterprise = forms.ModelChoiceField(label=_l("Enterprise"), queryset=Enterprise.objects.none())
    category = forms.ModelChoiceField(
        label=_l("Category"), queryset=Category.objects.filter(is_active=True), empty_label=_l("Choose a category")
    )
    title = forms.CharField(
        label=_l("Title"),
        max_length=100,
        help_text=_l("One line that says what you need, e.g. “Need 30 skilled welders”."),
    )
    description = forms.CharField(
        label=_l("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_l("What happened, what you have tried, and what you need."),
    )
    project = forms.ModelChoiceField(
        label=_l("Key project (optional)"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_l("No key project"),
    )
    attachments = attachments_field()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        enterprises = Enterprise.objects.filter(memberships__user=user).select_related("region").order_by("name")
        self.fields["enterprise"].queryset = enterprises
        self.fields["enterprise"].empty_label = None
        self.fields["project"].queryset = Project.objects.filter(
            Q(enterprise__in=enterprises) | Q(region__in=enterprises.values("region"), enterprise__isnull=True)
        ).order_by("name")
        if len(enterprises) == 1:
            self.fields["enterprise"].widget = forms.HiddenInput()
            self.initial["enterprise"] = enterprises[0].pk
        if not self.fields["project"].queryset.exists():
            del self.fields["project"]

    def clean(self):
        data = super().clean()
        enterprise, project = data.get("enterprise"), data.get("project")
        if enterprise and project and not project_fits(project, enterprise):
            self.add_error("project", _("This key project does not belong to the chosen enterprise."))
        return data


class WithdrawForm(VersionedForm):
    reason = forms.CharField(
        label=_l("Reason (optional)"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SupplyInfoForm(AttachmentsMixin, VersionedForm):
    comment = forms.CharField(
        label=_l("The information asked for"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = attachments_field()


class EvaluateForm(VersionedForm):
    verdict = forms.ChoiceField(label=_l("Your evaluation"), choices=Verdict.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_l("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_l("Required when you are not satisfied: say what is still missing."),
    )

    def clean(self):
        data = super().clean()
        if data.get("verdict") == Verdict.DISSATISFIED and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say why you are not satisfied, so the request can be handled again."))
        return data


class TakeOnForm(VersionedForm):
    comment = forms.CharField(
        label=_l("Note (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def department_choices():
    """Active departments grouped by region, for a plain grouped select or checkbox list (filtered as one
    types by static/js/portal.js where JavaScript runs), labelled with their region where the same name
    is used in several regions ("人社局"): from the rows the process keeps (portal/orgs/listing.py)."""
    kept = listing.current()

    def grouped():
        groups: dict[str, list] = {}
        for row in kept.departments:
            groups.setdefault(row.region_name, []).append((row.pk, kept.label_of(row)))
        return list(groups.items())

    return kept.derived("grouped choices", grouped)


class DispatchForm(VersionedForm):
    lead = forms.TypedChoiceField(label=_l("Lead department (主办)"), coerce=int)
    co = forms.TypedMultipleChoiceField(
        label=_l("Co-handling departments (协办)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "dept-checks", "data-filter-list": ""}),
        help_text=_l("Optional; tick each department that gives its opinion to the lead."),
    )
    instruction = forms.CharField(
        label=_l("Instruction"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = department_choices()
        self.fields["lead"].choices = [("", _("Choose the lead department")), *choices]
        self.fields["co"].choices = choices
        for name in ("lead", "co"):
            self.fields[name].widget.attrs.update(
                {"data-filter-list": "", "data-filter-placeholder": _("Type to find a department")}
            )

    def clean(self):
        data = super().clean()
        ids = [data["lead"]] if data.get("lead") else []
        ids += data.get("co") or []
        departments = Department.objects.in_bulk(ids)
        if data.get("lead"):
            data["lead"] = departments[data["lead"]]
        data["co"] = [departments[pk] for pk in data.get("co") or [] if pk in departments]
        return data


class AskInfoForm(VersionedForm):
    question = forms.CharField(
        label=_l("Question for the enterprise"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReassignForm(VersionedForm):
    commissioner = forms.TypedChoiceField(label=_l("Hand over to"), coerce=int)
    comment = forms.CharField(
        label=_l("Note (optional)"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {user.pk: user for user, _role in candidates}
        self.fields["commissioner"].choices = [(user.pk, f"{user.display_name} · {role}") for user, role in candidates]

    def clean_commissioner(self):
        return self.candidates[self.cleaned_data["commissioner"]]


class AnswerForm(AttachmentsMixin, VersionedForm):
    outcome = forms.ChoiceField(label=_l("Outcome"), choices=[("", _l("Choose the outcome")), *Outcome.choices])
    body = forms.CharField(
        label=_l("Answer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_l("If it cannot be resolved now, explain the reason and what the enterprise can do."),
    )
    cited = forms.TypedChoiceField(
        label=_l("Cite a knowledge entry (optional)"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_l("The standard answer or policy note this answer is based on."),
    )
    attachments = attachments_field()

    def __init__(self, *args, citable=(), **kwargs):
        super().__init__(*args, **kwargs)
        if citable:
            self.fields["cited"].choices = [("", _l("No entry cited")), *citable]
        else:
            del self.fields["cited"]


class OpinionForm(AttachmentsMixin, VersionedForm):
    body = forms.CharField(
        label=_l("Your department's opinion for the lead department"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = attachments_field()


class AcceptForm(VersionedForm):
    pass


class ReturnForm(VersionedForm):
    reason = forms.CharField(
        label=_l("Why is it returned, and who should handle it?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExtensionForm(BootstrapMixin, forms.Form):
    requested_due_at = forms.DateTimeField(
        label=_l("New answer deadline"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    reason = forms.CharField(
        label=_l("Reason for the extension"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtensionDecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_l("Decision"), widget=forms.RadioSelect, choices=[("approve", _l("Approve")), ("reject", _l("Reject"))]
    )
    comment = forms.CharField(
        label=_l("Comment"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_l("Required when rejecting."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Give the reason for rejecting the extension."))
        return data


# ---------------------------------------------------------------------------------------------
# commissioners: filing on an enterprise's behalf, visits, bulk dispatch


CALLER_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


class OnBehalfForm(AttachmentsMixin, BootstrapMixin, forms.Form):
    """A request taken by phone or from the 12345 hotline, filed by the commissioner for the enterprise."""

    SOURCES = [("hotline", _l("12345 hotline")), ("phone", _l("Phone")), ("visit", _l("Visit"))]

    enterprise = forms.ModelChoiceField(
        label=_l("Enterprise"), queryset=Enterprise.objects.none(), empty_label=_l("Choose the enterprise")
    )
    source = forms.ChoiceField(label=_l("Received by"), choices=SOURCES)
    category = forms.ModelChoiceField(
        label=_l("Category"), queryset=Category.objects.filter(is_active=True), empty_label=_l("Choose a category")
    )
    title = forms.CharField(label=_l("Title"), max_length=100)
    description = forms.CharField(
        label=_l("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_l("What the enterprise said, in its own words where possible."),
    )
    project = forms.ModelChoiceField(
        label=_l("Key project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_l("No key project"),
        help_text=_l("A key project of the chosen enterprise, if the request is about one."),
    )
    work_order_number = forms.CharField(
        label=_l("12345 work-order number"),
        max_length=40,
        required=False,
        help_text=_l("For a request from the 12345 hotline: the work order's number, as on the hotline system."),
    )
    caller_name = forms.CharField(label=_l("Caller"), max_length=50, required=False)
    caller_mobile = forms.CharField(label=_l("Caller's mobile"), max_length=20, required=False)
    attachments = attachments_field()

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        self.fields["project"].queryset = (
            Project.objects.filter(enterprise__in=enterprises).select_related("enterprise").order_by("name")
        )
        self.fields["project"].label_from_instance = lambda p: f"{p.name}（{p.enterprise.name}）"
        self.fields["caller_mobile"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})

    def clean_caller_mobile(self):
        mobile = self.cleaned_data["caller_mobile"].strip()
        if mobile and not CALLER_PHONE.match(mobile):
            raise forms.ValidationError(
                _("Enter the caller's 11-digit mobile number or a landline with its area code.")
            )
        return mobile

    def clean(self):
        data = super().clean()
        enterprise, project = data.get("enterprise"), data.get("project")
        if enterprise and project and not project_fits(project, enterprise):
            self.add_error("project", _("This key project does not belong to the chosen enterprise."))
        if (data.get("work_order_number") or "").strip() and data.get("source") != "hotline":
            self.add_error("work_order_number", _("Only a request from the 12345 hotline has a work-order number."))
        return data


class VisitForm(BootstrapMixin, forms.Form):
    visited_on = forms.DateField(
        label=_l("Date of the visit"),
        # <input type=date> takes only ISO dates, whatever the language's date format
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    enterprise = forms.ModelChoiceField(
        label=_l("Enterprise"),
        queryset=Enterprise.objects.none(),
        required=False,
        empty_label=_l("No enterprise (project visit)"),
    )
    project = forms.ModelChoiceField(
        label=_l("Key project"), queryset=Project.objects.none(), required=False, empty_label=_l("No key project")
    )
    people_met = forms.CharField(
        label=_l("People met"),
        max_length=200,
        required=False,
        help_text=_l("Names and positions, e.g. “Wang Li, general manager”."),
    )
    notes = forms.CharField(
        label=_l("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = MultipleFileField(label=_l("Photos"), help_text=_l("Images only; at most 10 files, 20 MB each."))

    def __init__(self, *args, enterprises, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        self.fields["project"].queryset = projects
        self.fields["photos"].widget.attrs["accept"] = "image/*"

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if photos:
            check_uploads(photos, images_only=True)
        return photos

    def clean(self):
        data = super().clean()
        enterprise, project = data.get("enterprise"), data.get("project")
        if not enterprise and not project:
            self.add_error("enterprise", _("Choose the enterprise or the key project you visited."))
        elif enterprise and project and not project_fits(project, enterprise):
            self.add_error("project", _("This key project does not belong to the chosen enterprise."))
        return data


class VisitRequestForm(BootstrapMixin, forms.Form):
    """One request collected on the visit; left blank, it is skipped."""

    category = forms.ModelChoiceField(
        label=_l("Category"), queryset=Category.objects.filter(is_active=True), empty_label=_l("Choose a category")
    )
    title = forms.CharField(label=_l("Title"), max_length=100)
    description = forms.CharField(label=_l("Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


VisitRequestFormSet = forms.formset_factory(VisitRequestForm, extra=2, max_num=10, validate_max=True)


class BulkDispatchForm(BootstrapMixin, forms.Form):
    lead = forms.ModelChoiceField(
        label=_l("Lead department (主办) for the selected requests"),
        queryset=Department.objects.filter(is_active=True),
        empty_label=_l("Choose the lead department"),
    )
    instruction = forms.CharField(label=_l("Instruction"), max_length=2000, required=False)


MAX_ID = 2**63 - 1  # the largest bigint; a larger id makes the database driver raise


def _parse_id(text: str) -> int | None:
    """A positive id written in ASCII digits (``str.isdigit`` also accepts "²", which ``int`` rejects)."""
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def parse_selection(raw) -> list[tuple[int, int | None]]:
    """(request id, version it was shown with) for each ticked box "id:version" or "id", ignoring anything
    malformed: an id or version that is not ASCII digits or does not fit a bigint."""
    chosen = []
    for value in raw[:500]:
        pk_text, sep, version_text = str(value).partition(":")
        pk = _parse_id(pk_text)
        version = _parse_id(version_text) if sep else None
        if pk is None or (sep and version is None):
            continue
        chosen.append((pk, version))
    return list(dict.fromkeys(chosen))
