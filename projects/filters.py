"""The project list's filters. Every one has an index (see the Meta of Project and ProjectPairing)."""

from functools import cached_property

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.orgs.models import Industry, Region

from .models import Leader, Level, Project, ProjectPairing, Stage
from .selectors import rules_by_region

YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


def _by_rules(queryset, value, method, rules):
    """Stalled / late per the region's own policy: one condition per distinct rule."""
    today = timezone.localdate()
    condition = Q(pk__in=[])
    for rule in set(rules.values()):
        regions = [pk for pk, r in rules.items() if r == rule]
        ids = getattr(Project.objects.filter(region_id__in=regions), method)(today, rule)
        condition |= Q(pk__in=ids.values("pk"))
    return queryset.filter(condition) if value == "yes" else queryset.exclude(condition)


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains")
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=Stage.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Level.choices)
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices)
    region = django_filters.ModelChoiceFilter(label=_("Region"), queryset=Region.objects.none(), method="in_region")
    leader = django_filters.ModelChoiceFilter(label=_("Responsible leader"), queryset=Leader.objects.none())
    commissioner = django_filters.ModelChoiceFilter(
        label=_("Commissioner"), queryset=get_user_model().objects.none(), method="of_commissioner"
    )
    stalled = django_filters.ChoiceFilter(label=_("Stalled"), choices=YES_NO[1:], method="is_stalled")
    report_late = django_filters.ChoiceFilter(label=_("Report late"), choices=YES_NO[1:], method="is_report_late")

    class Meta:
        model = Project
        fields = []

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = regions
        self.filters["leader"].queryset = Leader.objects.filter(region__in=regions).order_by("name")
        self.filters["commissioner"].queryset = (
            get_user_model()
            .objects.filter(project_pairings__project__region__in=regions)
            .distinct()
            .order_by("real_name", "username")
        )
        for field in self.form.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css

    def in_region(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path)

    def of_commissioner(self, queryset, name, value):
        return queryset.filter(pk__in=ProjectPairing.objects.active().filter(commissioner=value).values("project_id"))

    def is_stalled(self, queryset, name, value):
        return _by_rules(queryset, value, "stalled_under", self.rules)

    def is_report_late(self, queryset, name, value):
        return _by_rules(queryset, value, "report_late_under", self.rules)

    @cached_property
    def rules(self):
        """The rules in force per region, read once for the filters and the row badges."""
        return rules_by_region()
