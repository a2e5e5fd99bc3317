"""The knowledge list's filters: words, kind, category, industry, enterprise size (each has an index or is
served by the trigram indexes)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from issues.models import Category
from portal.orgs.models import EnterpriseSize, Industry

from .models import Entry, EntryStatus, Kind
from .selectors import search


class EntryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices, empty_label=_("All kinds"))
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("All categories"),
        method="filter_category",
    )
    industry = django_filters.ChoiceFilter(
        label=_("Industry"), choices=Industry.choices, empty_label=_("All industries"), method="filter_tag"
    )
    size = django_filters.ChoiceFilter(
        label=_("Enterprise size"), choices=EnterpriseSize.choices, empty_label=_("All sizes"), method="filter_tag"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=EntryStatus.choices, empty_label=_("Any status"))

    class Meta:
        model = Entry
        fields = ["q", "kind", "category", "industry", "size", "status"]

    def __init__(self, *args, managing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not managing:
            del self.filters["status"]
        for f in self.form.fields.values():
            css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            f.widget.attrs["class"] = f"{css} form-control-sm" if css == "form-control" else f"{css} form-select-sm"

    def filter_q(self, queryset, name, value):
        return search(queryset, value)

    # an entry without a tag is for everyone, so it matches every choice of that tag
    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__isnull=True))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(Q(**{name: value}) | Q(**{name: ""}))
