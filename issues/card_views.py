"""Yellow and red cards for supervisors: the list, and revoking one with a reason."""

from datetime import date

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.vary import vary_on_headers

from portal.orgs.models import Department

from .cards import access_card, card_revoke, card_visible_to, month_range
from .filters import EARLIEST_DATE, LATEST_DATE
from .models import Card, CardKind
from .services import TransitionError


def parse_month(value: str) -> date:
    """The first day of a "YYYY-MM" month; ValueError if malformed or outside the years filters accept."""
    year, month = (int(part) for part in value.split("-")[:2])
    first = date(year, month, 1)
    month_range(first)  # raises ValueError outside the accepted years
    return first


def check_month(value: str) -> None:
    if not value:
        return
    try:
        parse_month(value)
    except ValueError:
        raise ValidationError(
            _lazy("Give the month as YYYY-MM, between %(earliest)s and %(latest)s."),
            code="invalid_month",
            params={"earliest": f"{EARLIEST_DATE:%Y-%m}", "latest": f"{LATEST_DATE:%Y-%m}"},
        ) from None


class CardFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_lazy("Kind"), choices=CardKind.choices, empty_label=_lazy("All"))
    unit = django_filters.ModelChoiceFilter(
        label=_lazy("Unit"), queryset=Department.objects.none(), empty_label=_lazy("All")
    )
    month = django_filters.CharFilter(
        label=_lazy("Month"),
        method="filter_month",
        widget=forms.DateInput(attrs={"type": "month"}),
        validators=[check_month],
    )
    revoked = django_filters.BooleanFilter(
        label=_lazy("Revoked"),
        field_name="revoked_at",
        lookup_expr="isnull",
        exclude=True,
        widget=forms.Select(choices=[("", _lazy("All")), ("false", _lazy("In force")), ("true", _lazy("Revoked"))]),
    )

    class Meta:
        model = Card
        fields = ["kind", "unit", "month", "revoked"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["unit"].queryset = Department.objects.filter(pk__in=card_visible_to(user).values("unit_id"))

    @property
    def form(self):
        form = super().form
        for name, field in form.fields.items():
            css = "form-control" if name == "month" else "form-select"
            field.widget.attrs.setdefault("class", css)
        return form

    def filter_month(self, queryset, name, value):
        try:
            start, end = month_range(parse_month(value))
        except ValueError:
            return queryset.none()
        return queryset.filter(issued_at__gte=start, issued_at__lt=end)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_lazy("Reason for revoking"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


@vary_on_headers("HX-Request")
@login_required
def card_list(request):
    if not request.user.is_supervisor:
        raise PermissionDenied
    qs = card_visible_to(request.user).select_related("request", "unit", "region", "revoked_by")
    f = CardFilter(request.GET, queryset=qs, user=request.user)
    page = Paginator(f.qs.order_by("-issued_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "issues/cards/list.html", {"filter": f, "page_obj": page})


@login_required
def card_revoke_view(request, pk: int):
    card = access_card(request.user, pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            card_revoke(card_id=card.pk, actor=request.user, reason=form.cleaned_data["reason"], http_request=request)
        except TransitionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The card was revoked."))
            return redirect("cards:list")
    return render(request, "issues/cards/revoke.html", {"card": card, "form": form})
