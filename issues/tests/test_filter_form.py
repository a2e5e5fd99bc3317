"""The filter form of every list, written in Python (``issues/filters.py``: the Quick widgets and
``QueueFilterBase.panel_html``), is byte for byte what Django's own widget templates and the template
loop the list page used render: for each list and role, without and with GET data, valid and invalid,
in Chinese and English. Filtersets share the fields built once per process but none of their state."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import mark_safe

from issues import filters, queues
from issues.models import Category, Request, Source
from portal.orgs.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

# the loop templates/issues/list.html ran over the bound fields before the filterset wrote them
PANEL_LOOP = Template(
    """{% for field in filter.form %}{% if field.name != "tab" and field.name != "overdue" %}
      <div class="{% if field.name == 'q' %}col-12 col-md-4 col-xl-3{% else %}col-6 col-md-3 col-xl-2{% endif %}">
        <label for="{{ field.id_for_label }}" class="form-label small mb-0">{{ field.label }}</label>
        {% if field.name == "enterprise" %}
          <input type="text" name="enterprise" id="{{ field.id_for_label }}" value="{{ field.value|default:'' }}" class="form-control form-control-sm" list="enterprise-options" autocomplete="off" maxlength="100"
                 hx-get="{% url 'issues:enterprise_suggest' %}" hx-trigger="input changed delay:300ms" hx-target="#enterprise-options" hx-swap="innerHTML" hx-push-url="false">
          <datalist id="enterprise-options"></datalist>
        {% else %}{{ field }}{% endif %}
        {% if field.errors %}<div class="invalid-feedback d-block small">{{ field.errors|join:" " }}</div>{% endif %}
      </div>
      {% endif %}{% endfor %}"""  # noqa: E501
)
STOCK = {quick: stock for stock, quick in filters.QUICK_WIDGETS.items()}

KINDS = [
    ("bob", "CommissionerQueueFilter"),
    ("carol", "DepartmentQueueFilter"),
    ("dave", "SupervisorListFilter"),
    ("dora", "SupervisorListFilter"),
    ("alice", "EnterpriseListFilter"),
]


def _stock(filterset):
    """The filterset's form with Django's own widget classes, rendering through their templates."""
    for field in filterset.form.fields.values():
        widget = field.widget
        assert type(widget) in STOCK, type(widget)  # every widget of the form is written in Python
        widget.__class__ = STOCK[type(widget)]
    return filterset


def _data(case, hr_bureau, kuiwen):
    if case == "none":
        return None
    if case == "valid":
        return {
            "q": "环评<审批> & \"'",
            "state": "in_progress",
            "category": str(Category.objects.first().pk),
            "source": Source.values[0],
            "region": str(kuiwen.pk),
            "enterprise": '<"潍坊">',
            "department": str(hr_bureau.pk),
            "overdue": "on",
            "due_within": "3",
            "submitted_from": "2024-01-02",
            "submitted_to": "2024-02-03",
            "sort": queues.SORTS[-1][0],
            "size": str(queues.PAGE_SIZES[-1]),
            "tab": "all",
            "role": "A",
        }
    return {
        "q": "x" * 101,
        "state": "bogus",
        "category": "999999",
        "source": "<script>",
        "region": "abc",
        "department": "-1",
        "overdue": "maybe",
        "due_within": "-4",
        "submitted_from": "2020-13-01",
        "submitted_to": "1900-01-01",
        "sort": "x",
        "size": "7",
        "tab": "nope",
        "role": "Z",
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("case", ["none", "valid", "invalid"])
@pytest.mark.parametrize("who, kind", KINDS)
def test_the_panel_is_what_django_renders(request, hr_bureau, kuiwen, who, kind, case, language):
    DepartmentFactory(name="<特殊>&部门", region=kuiwen)
    Category.objects.get_or_create(name="<税>&费", defaults={"code": "tax-special"})
    user = request.getfixturevalue(who)
    data = _data(case, hr_bureau, kuiwen)

    def make():
        return getattr(filters, kind)(data, queryset=Request.objects.all(), user=user)

    with translation.override(language):
        ours, stock = make(), _stock(make())
        panel = ours.panel_html()
        assert panel == PANEL_LOOP.render(Context({"filter": stock}))
        assert str(ours.form["overdue"]) == str(stock.form["overdue"])
        assert str(ours.form["tab"]) == str(stock.form["tab"])
    if case == "invalid":
        assert panel.count("invalid-feedback") >= 4
        assert 'aria-invalid="true"' in panel
    if case == "valid":
        assert "环评&lt;审批&gt; &amp; &quot;&#x27;" in panel
        assert 'value="&lt;&quot;潍坊&quot;&gt;"' in panel or kind == "EnterpriseListFilter"
        assert 'value="2024-01-02"' in panel
        assert "checked" in str(ours.form["overdue"])


def _widgets():
    groups = [("甲<组>", [(1, "一"), (2, "二&")]), (3, "三")]
    attrs = {"class": "c", "required": True, "hidden": False, "data-x": mark_safe("<b>"), "title": '"&'}
    yield forms.TextInput(attrs=attrs), ["", None, "a<b", 12, mark_safe("<i>")]
    yield forms.TextInput(attrs={"type": "search", "maxlength": 100}), ["x"]
    yield forms.NumberInput(attrs={"min": 0, "max": 365, "step": "any"}), [None, 0, "3", Decimal("1.50")]
    yield forms.DateInput(attrs={"type": "date"}), [None, "", datetime.date(2024, 1, 2), "2020-13-01"]
    yield forms.DateInput(format="%d/%m/%Y"), [datetime.date(2024, 1, 2)]
    yield forms.CheckboxInput(attrs={"class": "form-check-input"}), [None, "", "on", True, False, "false", "x"]
    yield forms.Select(choices=groups, attrs=attrs), [None, "", "1", "3", "9", ["2"]]
    yield forms.SelectMultiple(choices=groups), [None, [], ["1", "3"], ["2", "x"], "1"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_quick_widget_is_byte_for_byte_the_stock_one(language):
    with translation.override(language):
        for widget, values in _widgets():
            quick = filters.QUICK_WIDGETS[type(widget)]
            fast = quick.__new__(quick)
            fast.__dict__.update(widget.__dict__)
            for value in values:
                for attrs in (None, {"id": "id_f"}, {"id": "id_f", "aria-invalid": "true"}):
                    assert fast.render("f", value, attrs) == widget.render("f", value, attrs), (widget, value)


def test_filtersets_share_no_state(dave, dora, carol, kuiwen, hr_bureau):
    wide = filters.SupervisorListFilter({"region": str(kuiwen.pk)}, queryset=Request.objects.all(), user=dave)
    narrow = filters.SupervisorListFilter(None, queryset=Request.objects.all(), user=dora)
    handler = filters.DepartmentQueueFilter(None, queryset=Request.objects.all(), user=carol)
    for name in ("region", "department", "q", "overdue"):
        assert wide.form.fields[name] is not narrow.form.fields[name]
        assert wide.form.fields[name].widget is not narrow.form.fields[name].widget
        assert wide.form.fields[name].widget.attrs is not narrow.form.fields[name].widget.attrs
    # each filter resolves its method on its own filterset
    assert wide.filters["region"].parent is wide and narrow.filters["region"].parent is narrow
    assert wide.filters["region"].filter.f is wide.filters["region"]
    # per-user choices and labels stay with their form
    assert str(handler.form.fields["department"].label) != str(wide.form.fields["department"].label)
    assert str(wide.form.fields["department"].label) == str(narrow.form.fields["department"].label)
    assert wide.form.fields["region"].choices.field is wide.form.fields["region"]
    narrow.form.fields["q"].widget.attrs["placeholder"] = "only here"
    assert "placeholder" not in str(wide.form["q"])
    assert len(narrow.form.fields["region"].widget.choices) < len(wide.form.fields["region"].widget.choices)
    # a choice field's empty label is read from the form's own copy
    state = wide.form.fields["state"]
    assert state.choices.field is state and state.widget.choices is state.choices
    # the enterprise's list has none of the fields it does not offer
    mine = filters.EnterpriseListFilter(None, queryset=Request.objects.all(), user=dave)
    assert not {"region", "enterprise", "department", "source"} & (set(mine.form.fields) | set(mine.filters))
    assert str(wide.qs.query) != str(narrow.qs.query)  # the region filter ran on its own filterset
