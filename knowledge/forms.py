from django import forms
from django.utils.translation import gettext_lazy as _

from portal.orgs.models import Department, Region
from portal.orgs.selectors import department_ids_for_handler, region_scope_for

from .models import Entry


class EntryForm(forms.ModelForm):
    publish = forms.BooleanField(label=_("Publish now"), required=False)

    class Meta:
        model = Entry
        fields = [
            "kind",
            "title",
            "body",
            "department",
            "valid_from",
            "valid_until",
            "category",
            "industry",
            "size",
            "region",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "industry": _("Leave empty for every industry."),
            "size": _("Leave empty for every size."),
            "region": _("Leave empty for the whole city; a district covers its towns."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(is_active=True)
        if not user.is_supervisor:
            departments = departments.filter(pk__in=department_ids_for_handler(user).values("department_id"))
            self.fields["department"].required = True
        self.fields["department"].queryset = departments.order_by("name")
        regions = region_scope_for(user) if user.is_supervisor else Region.objects.all()
        self.fields["region"].queryset = regions.order_by("path")
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            else:
                widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end of validity must not be before its start."))
        return data
