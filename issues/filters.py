"""FilterSets for the work lists: one per list type, sharing the filter definitions below.

Every filter works on request rows and on dispatch rows (the department queue) through
``spec.to_request``. Invalid values (an unknown state, a malformed date, a page size of -5) make
the form invalid for that field only; django-filter then leaves that filter out, and the view tells
the user which ones were ignored.
"""

import copy
import html
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value
from django.forms.models import ModelChoiceIterator
from django.template.defaultfilters import join
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _l
from django_filters.filters import FilterMethod

from portal.markup import escape_text
from portal.orgs import listing
from portal.orgs.models import Department, Enterprise, Pairing, Region
from portal.orgs.selectors import handled_department_ids, region_scope_for, supervised_paths

from . import queues
from .models import Category, Request, Source, Status

ENTERPRISE_MATCH_LIMIT = 500
# above this many matching requests among a department's tasks the search keeps the plain condition on them
TASK_MATCH_LIMIT = 2_000
# A search term this short has no trigram; on PostgreSQL its matches are read from the index of each text's
# characters and pairs (issues/migrations/0027_short_term_grams.py) instead
SHORT_TERM = 2
# above this many requests matching a short term in a list's scope, the list searches as for a longer term:
# a word that common fills a page from the newest requests quickly
SHORT_MATCH_LIMIT = 2_000
# a short term that PostgreSQL's statistics of the grams find in at least this share of the requests is
# common: the list searches by the plain condition at once, without first reading its matches from the index
COMMON_SHARE = 0.01
# the share of the rows whose indexed text holds a gram, as ANALYZE last sampled it, by the statistics of the
# grams indexes named (the grams an index's statistics keep are its most common ones; a rarer one is not
# listed). The statistics of an index are shown to the owner of its table, the role that migrates
GRAM_SHARE_SQL = """
    SELECT max(kept.share) FROM pg_stats stats,
        unnest(stats.most_common_elems::text::text[], stats.most_common_elem_freqs) AS kept (gram, share)
    WHERE stats.schemaname = current_schema() AND stats.tablename = ANY(%s) AND kept.gram = UPPER(%s)
"""
REQUEST_GRAMS = ["req_title_grams", "req_description_grams"]
NAME_GRAMS = ["enterprise_name_grams"]
# the statistics change only when ANALYZE samples a table again (autovacuum, after many changed rows), and a
# share only chooses how a term is looked for, never what is found: a process keeps each share it read for
# SHARE_KEPT_SECONDS (two queries of each short search: 1–2 ms each at a province's million), and at most
# SHARES_KEPT of them
SHARE_KEPT_SECONDS = 600
SHARES_KEPT = 4096
_shares: dict[tuple[str, tuple[str, ...]], tuple[float, float]] = {}
MAX_DUE_WITHIN_DAYS = 365
STATE_CHOICES = [(s.value, s.label) for s in Status]
# Dates a filter accepts. Far outside, moving a day to UTC or one day on overflows ``datetime`` (a 500).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def check_filter_date(value: date) -> None:
    """Raise ValidationError for a date outside EARLIEST_DATE..LATEST_DATE, so the filter is ignored with a message."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _l("Enter a date between %(earliest)s and %(latest)s."),
            code="out_of_range",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


# models whose label in a select is their ``name`` (their ``__str__``)
NAMED_BY_NAME = (Department, Region)


class ListedChoiceIterator(ModelChoiceIterator):
    """Choices read with one plain query. The stock iterator uses ``QuerySet.iterator()``, a server-side
    cursor on PostgreSQL (DECLARE, FETCH, CLOSE: three round trips per select of a few dozen rows)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        listed = getattr(self.field, "listed", None)  # rows the page reads once for several lists
        if listed is not None:
            yield from listed.choices
            return
        if self.queryset.model in NAMED_BY_NAME:
            # a province has about 1,400 departments: read (id, name) pairs, not one model instance each
            yield from self.queryset.values_list("pk", "name")
            return
        for obj in self.queryset.all():
            yield self.choice(obj)


def _attrs_html(attrs) -> str:
    """``django/forms/widgets/attrs.html`` in Python."""
    return "".join(
        f" {html.escape(name)}" if value is True else f' {html.escape(name)}="{escape_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickInput:
    """An ``<input>`` rendered in Python, byte for byte what ``django/forms/widgets/input.html`` renders (the
    text, number, date and checkbox templates only include it), without a template render per field."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]  # the stock context: value, checked, attrs
        shown = "" if widget["value"] is None else f' value="{escape_text(widget["value"])}"'
        return mark_safe(
            f'<input type="{escape_text(widget["type"])}" name="{escape_text(widget["name"])}"{shown}'
            f"{_attrs_html(widget['attrs'])}>"
        )


class QuickTextInput(QuickInput, forms.TextInput):
    pass


class QuickNumberInput(QuickInput, forms.NumberInput):
    pass


class QuickDateInput(QuickInput, forms.DateInput):
    pass


class QuickCheckboxInput(QuickInput, forms.CheckboxInput):
    pass


class QuickSelect(forms.Select):
    """A ``<select>`` rendered in Python, byte for byte what ``django/forms/widgets/select.html`` renders,
    without one template include per option (the filter form shows about a hundred options)."""

    def render(self, name, value, attrs=None, renderer=None):
        # Widget.get_context, not ChoiceWidget's: the options are walked here once, without building an
        # option dict per choice (ChoiceWidget.optgroups / create_option)
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        if self.allow_multiple_selected:
            widget["attrs"]["multiple"] = True
        chosen = widget["value"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
        listed = getattr(getattr(self.choices, "field", None), "listed", None)
        if listed is not None and not self.allow_multiple_selected:
            # the options kept with the departments, the chosen one marked: what the loop below writes
            empty = self.choices.field.empty_label
            body = "" if empty is None else f'\n  <option value="">{escape_text(empty)}</option>\n'
            body += listed.options_markup()
            if chosen:
                marker = f'<option value="{escape_text(chosen[0])}">'
                body = body.replace(marker, f"{marker[:-1]} selected>", 1)
            return mark_safe(f"{parts[0]}{body}\n</select>")
        has_selected = False
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                group_name, choices = option_value, option_label
                parts.append(f'\n  <optgroup label="{escape_text(group_name)}">')
            else:
                group_name, choices = None, [("" if option_value is None else option_value, option_label)]
            for subvalue, sublabel in choices:
                selected = (not has_selected or self.allow_multiple_selected) and str(subvalue) in chosen
                has_selected |= selected
                parts.append(
                    f'\n  <option value="{escape_text(str(subvalue))}"{" selected" if selected else ""}>'
                    f"{escape_text(sublabel)}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class QuickSelectMultiple(QuickSelect, forms.SelectMultiple):
    pass


# the stock widgets of the filter form and what renders each in Python (a subclass keeps its own rendering)
QUICK_WIDGETS = {
    forms.TextInput: QuickTextInput,
    forms.NumberInput: QuickNumberInput,
    forms.DateInput: QuickDateInput,
    forms.CheckboxInput: QuickCheckboxInput,
    forms.Select: QuickSelect,
    forms.SelectMultiple: QuickSelectMultiple,
}


def _filter_copy(filter_):
    """A filterset's own copy of a declared filter: django-filter sets its ``parent`` and ``model``."""
    clone = copy.copy(filter_)
    if filter_.method is not None:
        clone.filter = FilterMethod(clone)  # resolves the method on the copy's parent, not the original's
    return clone


def _field_copy(field):
    """A form's own copy of a field built once per process: what ``Field.__deepcopy__`` makes of it (the
    field, its widget and the widget's attrs, error messages and validators copied), except that the
    choices are not copied one by one: a choice field gets its own iterator over the same list, a model
    choice field its own queryset (which the filtersets' ``configure`` replaces per user)."""
    clone = copy.copy(field)
    clone.widget = widget = copy.copy(field.widget)
    widget.attrs = field.widget.attrs.copy()
    clone.error_messages = field.error_messages.copy()
    clone.validators = field.validators[:]
    if isinstance(field, forms.ModelChoiceField):
        clone.queryset = field.queryset  # the setter hands the copy's widget an iterator of the copy
    elif isinstance(field, forms.ChoiceField):
        choices = field._choices
        if hasattr(choices, "field"):  # django-filter's iterator reads the field's empty label
            choices = copy.copy(choices)
            choices.field = clone
        clone._choices = widget.choices = choices
    return clone


class CopiedCheaply(dict):
    """Filters or form fields built once per process. ``FilterSet.__init__`` and ``Form.__init__`` take
    their own with ``copy.deepcopy``, which walks every choice, widget attribute and queryset of some
    fifteen fields (2–3 ms a page); this dict hands them shallow copies made by ``copy_one`` instead."""

    def __init__(self, items, copy_one):
        super().__init__(items)
        self.copy_one = copy_one

    def __deepcopy__(self, memo):
        return {name: self.copy_one(item) for name, item in self.items()}


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class _HasGram(Func):
    """``portal_grams(UPPER(column)) @> ARRAY[UPPER(text)]``: the column contains ``text``, a term of at most
    SHORT_TERM characters, as ``icontains`` has it, written the way the grams indexes are (PostgreSQL)."""

    output_field = BooleanField()

    def __init__(self, column: str, text: str):
        super().__init__(F(column), Value(text))

    def as_sql(self, compiler, connection, **extra):
        column, column_params = compiler.compile(self.source_expressions[0])
        text, text_params = compiler.compile(self.source_expressions[1])
        return f"portal_grams(UPPER({column}::text)) @> ARRAY[UPPER({text})]", (*column_params, *text_params)


def is_short(text: str) -> bool:
    """A term the grams indexes serve: one or two characters, on PostgreSQL, and no longer once upper-cased
    (a collation that writes ß as SS would make ``aß`` three characters, which no gram is)."""
    return len(text.upper()) <= SHORT_TERM and connection.vendor == "postgresql"


def contains(column: str, text: str, *, statistics: list[str] | None = None) -> Q:
    """Rows whose ``column`` contains ``text`` in any case (``icontains``): by the column's trigram index, or
    for a short term (``is_short``) by its grams index. With ``statistics`` (the grams indexes whose
    statistics tell how common the term is), a short term they find in COMMON_SHARE of the rows or more is
    checked row by row instead, as a CASE: a character like 有 is in nearly every enterprise's name, and
    the grams would read all of them where the names' own order finds a page at once."""
    if not is_short(text):
        return Q(**{f"{column}__icontains": text})
    if statistics and gram_share(text, statistics) >= COMMON_SHARE:
        return Q(queues.opaque(Q(**{f"{column}__icontains": text})))
    return Q(_HasGram(column, text))


def enterprise_names_containing(text: str) -> Q:
    """Enterprises whose name contains ``text`` (``contains`` on the names' indexes)."""
    return contains("name", text, statistics=NAME_GRAMS)


def enterprise_ids_matching(text: str) -> list[int]:
    """Ids of enterprises whose name contains ``text`` (trigram- or grams-indexed on PostgreSQL); evaluated once
    so the request query can use its own enterprise index instead of a per-row subplan."""
    return queues.padded(
        list(
            Enterprise.objects.filter(enterprise_names_containing(text))
            .order_by()
            .values_list("pk", flat=True)[:ENTERPRISE_MATCH_LIMIT]
        )
    )


def text_matches(text: str, enterprise_ids: list[int], prefix: str = "") -> Q:
    """Requests whose title or description contains ``text``, whose enterprise is one of ``enterprise_ids``
    (those whose name contains it), or whose work-order number is ``text`` (``prefix`` "request__" from
    task rows)."""
    return other_matches(text, enterprise_ids, prefix) | in_text(text, f"{prefix}title", f"{prefix}description")


def other_matches(text: str, enterprise_ids: list[int], prefix: str = "") -> Q:
    """Requests whose work-order number is ``text`` or whose enterprise is one of ``enterprise_ids``."""
    return (
        Q(**{f"{prefix}work_order_number": text})  # a 12345 work-order number, exactly (indexed)
        | Q(**{f"{prefix}enterprise_id__any": enterprise_ids})
    )


def short_term_ids(queryset, text: str, enterprise_ids: list[int]) -> list[int] | None:
    """The ids of the requests of ``queryset`` that a short term (``is_short``) matches, read from the grams
    indexes, when there are at most SHORT_MATCH_LIMIT of them; None for a longer term or a more common one.
    The list then pages through these ids: asked for a page of a rare or absent pair in the newest-first
    order, PostgreSQL walked the newest requests backwards until it had 50, and for an absent one read every
    request of the scope (it takes a pair it has no statistics of for 0.5% of the rows)."""
    if not is_short(text) or gram_share(text, REQUEST_GRAMS) >= COMMON_SHARE:
        return None
    found = other_matches(text, enterprise_ids) | contains("title", text) | contains("description", text)
    ids = list(queryset.filter(found).order_by().values_list("pk", flat=True)[: SHORT_MATCH_LIMIT + 1])
    return ids if len(ids) <= SHORT_MATCH_LIMIT else None


def live_grams(text: str, enterprise_ids: list[int]) -> Q:
    """Live requests that a short term (``is_short``) matches, as ``text_matches`` finds them, written the way
    the live requests' grams index is (migration 0030): the work-order number, the enterprise, or a gram of
    the title or the description. Used with the scope's region and the live states, which the index holds."""
    return other_matches(text, enterprise_ids) | in_grams(text, "title", "description")


def in_grams(text: str, title: str, description: str) -> Q:
    """Rows whose ``title`` or ``description`` holds ``text``, a short term (``is_short``), among its grams."""
    return Q(_HasGram(title, text)) | Q(_HasGram(description, text))


def task_text_matches(text: str) -> Q:
    """Tasks whose copy of their request's title or description contains ``text``: a short term (``is_short``)
    by the grams index of the tasks' text led by the department (migration 0032), a longer one by its
    trigram index (0024). A department's grams hold at most its own tasks, however common the term, so no
    statistics are asked."""
    if is_short(text):
        return in_grams(text, "request_title", "request_description")
    return in_text(text, "request_title", "request_description")


def gram_share(text: str, statistics: list[str]) -> float:
    """The share of the rows that hold ``text``, a short term, by the statistics of the grams indexes named
    (``REQUEST_GRAMS``, ``NAME_GRAMS``); 0 for a term they do not list (rarer than the grams they keep, or
    never analysed), which is then read from the index: a wrong guess of "rare" costs one bounded read of
    the index, a wrong guess of "common" a walk through the whole scope. Kept for SHARE_KEPT_SECONDS."""
    key = (text.upper(), tuple(statistics))
    now = timezone.now().timestamp()
    kept = _shares.get(key)
    if kept is not None and 0 <= now - kept[1] < SHARE_KEPT_SECONDS:
        return kept[0]
    with connection.cursor() as cursor:
        cursor.execute(GRAM_SHARE_SQL, [statistics, text])
        (share,) = cursor.fetchone()
    if len(_shares) >= SHARES_KEPT:
        _shares.clear()
    _shares[key] = (share or 0.0, now)
    return share or 0.0


def forget_shares() -> None:
    """Read every share again (after an ANALYZE whose statistics must be used at once)."""
    _shares.clear()


def in_text(text: str, title: str, description: str) -> Q:
    """Rows whose ``title`` or ``description`` field contains ``text``, in any case."""
    found = Q(**{f"{title}__icontains": text}) | Q(**{f"{description}__icontains": text})
    if len(text) <= SHORT_TERM:
        # no trigram index can serve a term this short, but PostgreSQL still scans one for it: a scan that
        # returns every entry, which for the region-led index of the live requests means each of a province's
        # 1,500 regions (2.7 s for the province supervisor's counts of 用地). As a CASE the condition is
        # checked on the rows the scope's own indexes find
        plain = Q(**{f"{title}__contains": text}) | Q(**{f"{description}__contains": text})
        return Q(queues.opaque(plain if _uncased(text) else found))
    if _uncased(text):
        # a text without upper or lower case (Chinese, digits) is in a column exactly when it is in the column
        # upper-cased, so the plain comparison is checked first: a row that fails it is not upper-cased at
        # all (half the time of a city's scan of its requests). The upper-cased one stays for the trigram
        # indexes, which serve a rare word. The plain one is a CASE, so PostgreSQL does not take it for a
        # second, independent condition and estimate a sixth of the matches (which made it read a common
        # word's withdrawn requests through the trigram bitmaps of the whole province, not stop at 101)
        plain = Q(**{f"{title}__contains": text}) | Q(**{f"{description}__contains": text})
        found = Q(queues.opaque(plain)) & found
    return found


def _uncased(text: str) -> bool:
    """No character of ``text`` has an upper or a lower case: upper-casing a column changes none of the
    characters that could match it."""
    return text == text.upper() == text.lower()


class Listed:
    """Choices kept with the listing of regions and departments a process keeps (portal/orgs/listing.py):
    their (id, name) pairs and their options, written once per change of the regions or departments
    (a province lists about 1,400 departments), for the regions under ``paths`` (all for ``None``)."""

    def __init__(self, paths: tuple[str, ...] | None = None, *, kept: "listing.Listing | None" = None):
        self.listing = kept or listing.current()
        self.paths = paths

    rows: tuple = ()  # the listing's rows these choices show (``pk``, ``name``)

    @property
    def key(self):
        """What tells these choices apart from others of their kind kept with the listing."""
        return self.paths

    @property
    def choices(self) -> list[tuple[int, str]]:
        return self.listing.derived((type(self), "choices", self.key), lambda: [(r.pk, r.name) for r in self.rows])

    def options_markup(self) -> str:
        """The choices as QuickSelect writes its options, none selected."""
        return self.listing.derived(
            (type(self), "options", self.key),
            lambda: "".join(f'\n  <option value="{pk}">{html.escape(name)}</option>\n' for pk, name in self.choices),
        )


class ListedRegions(Listed):
    """The regions of the filter, without the towns."""

    @property
    def rows(self):
        return self.listing.regions_within(self.paths, towns=False)


class ListedCategories(Listed):
    """Every category (an inactive one too: older requests keep it), in their order, labelled in the page's
    language as ``Category.__str__`` labels them. Kept with the listing: issues/apps.py has it watch the
    categories."""

    @property
    def key(self):
        return get_language() == "en"

    @property
    def rows(self) -> list["Named"]:
        english = self.key
        kept = self.listing.derived(
            "categories",
            lambda: tuple(Category.objects.order_by("sort_order", "pk").values_list("pk", "name", "name_en")),
        )
        return [Named(pk, name_en if english and name_en else name) for pk, name, name_en in kept]


class Named(NamedTuple):
    pk: int
    name: str


class ListedDepartments(Listed):
    """The active departments of the filter, and of the commissioner's bulk-dispatch form."""

    @property
    def rows(self):
        return self.listing.within(self.paths)

    def options_html(self, selected: int | None = None) -> str:
        """The lead departments as ``<option>``s in an ``<optgroup>`` per region, labelled as
        ``issues.forms.department_choices`` labels them (with the region where a name is used twice);
        ``selected``: the id of the one marked chosen (as QuickSelect marks its kept options)."""
        markup = self.listing.derived((type(self), "grouped", self.paths), self._grouped)
        if selected is not None:
            marker = f'<option value="{selected}">'
            markup = markup.replace(marker, f"{marker[:-1]} selected>", 1)
        return mark_safe(markup)

    def _grouped(self) -> str:
        parts, current = [], None
        for row in self.rows:
            if row.region_name != current:
                if current is not None:
                    parts.append("</optgroup>")
                parts.append(f'<optgroup label="{html.escape(row.region_name)}">')
                current = row.region_name
            parts.append(f'<option value="{row.pk}">{html.escape(self.listing.label_of(row))}</option>')
        if current is not None:
            parts.append("</optgroup>")
        return "".join(parts)


def _style(field) -> None:
    """The filter panel's classes and Python-rendered widget for ``field``; model choices read with one
    plain query (``ListedChoiceIterator``)."""
    if isinstance(field, forms.ModelChoiceField):
        field.iterator = ListedChoiceIterator
        field.queryset = field.queryset  # the setter hands the widget the new iterator
    widget = field.widget
    widget.__class__ = QUICK_WIDGETS.get(type(widget), type(widget))
    if isinstance(widget, forms.CheckboxInput):
        widget.attrs["class"] = "form-check-input"
    elif isinstance(widget, forms.Select):
        widget.attrs["class"] = "form-select form-select-sm"
    else:
        widget.attrs["class"] = "form-control form-control-sm"


class QueueFilterBase(django_filters.FilterSet):
    """Filters every list shares. Subclasses drop what does not apply to their users."""

    tab = django_filters.ChoiceFilter(label=_l("Tab"), choices=queues.TABS, method="keep", empty_label=None)
    q = django_filters.CharFilter(label=_l("Search"), method="filter_text", max_length=100)
    state = django_filters.ChoiceFilter(
        label=_l("State"), choices=STATE_CHOICES, method="filter_state", empty_label=_l("Any state")
    )
    category = django_filters.ModelChoiceFilter(
        label=_l("Category"), queryset=Category.objects.all(), method="filter_category", empty_label=_l("Any category")
    )
    source = django_filters.ChoiceFilter(
        label=_l("Source"), choices=Source.choices, method="filter_source", empty_label=_l("Any source")
    )
    region = django_filters.ModelChoiceFilter(
        label=_l("Region"), queryset=Region.objects.none(), method="filter_region", empty_label=_l("Any region")
    )
    enterprise = django_filters.CharFilter(label=_l("Enterprise"), method="filter_enterprise", max_length=100)
    department = django_filters.ModelChoiceFilter(
        label=_l("Department"),
        queryset=Department.objects.none(),
        method="filter_department",
        empty_label=_l("Any department"),
    )
    overdue = django_filters.BooleanFilter(
        label=_l("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )
    due_within = django_filters.NumberFilter(
        label=_l("Deadline within (days)"), method="filter_due_within", min_value=0, max_value=MAX_DUE_WITHIN_DAYS
    )
    submitted_from = django_filters.DateFilter(
        label=_l("Filed from"),
        method="filter_from",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[check_filter_date],
    )
    submitted_to = django_filters.DateFilter(
        label=_l("Filed to"),
        method="filter_to",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[check_filter_date],
    )
    sort = django_filters.ChoiceFilter(label=_l("Sort"), choices=queues.SORTS, method="keep", empty_label=None)
    size = django_filters.ChoiceFilter(
        label=_l("Per page"), method="keep", empty_label=None, choices=[(str(n), str(n)) for n in queues.PAGE_SIZES]
    )

    kind = ""
    # the live rows under the filters that a short, common term matches, read from the live grams index
    # (filter_text): the live tabs' counts, when set
    live_matches = None
    UNFILTERED = ("q", "tab", "sort", "size")

    def filter_queryset(self, queryset):
        """As django-filter's, but the text search last: a search that reads its matching ids first (a short
        term's, a department's) reads them from the rows the other filters leave, not the whole scope."""
        data = self.form.cleaned_data
        for name in sorted(data, key=lambda name: name == "q"):
            queryset = self.filters[name].filter(queryset, data[name])
        return queryset

    def __init__(self, data=None, queryset=None, *, user, now=None, kept: "listing.Listing | None" = None, **kwargs):
        self.user = user
        self.now = now or timezone.now()
        self.spec = queues.SPECS[self.kind]
        # the regions and departments this process keeps, for the choices and the rows' SLA policies
        self.listing = kept or listing.current()
        super().__init__(data, queryset, **kwargs)
        self.form.fields["category"].listed = ListedCategories(kept=self.listing)
        self.configure()

    @classmethod
    def get_filters(cls):
        return CopiedCheaply(super().get_filters(), _filter_copy)

    def get_form_class(self):
        """The form class of this list type, built once per process with its fields' widgets, classes and
        choice iterators; each form copies the fields cheaply (``CopiedCheaply``)."""
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            fields = {name: copy.deepcopy(filter_.field) for name, filter_ in self.base_filters.items()}
            for field in fields.values():
                _style(field)
            if "enterprise" in fields:
                fields["enterprise"].widget.attrs.update({"list": "enterprise-options", "autocomplete": "off"})
            fields["q"].widget.attrs["type"] = "search"
            form_class = type(f"{cls.__name__}Form", (self._meta.form,), fields)
            form_class.base_fields = CopiedCheaply(form_class.base_fields, _field_copy)
            cls._form_class = form_class
        return form_class

    def configure(self) -> None:
        """Per-user choices (regions, departments); called once the form exists."""

    def panel_html(self) -> str:
        """The filter panel's grid of fields (all but the tab, a hidden input of the rows, and "overdue
        only", a checkbox of its own), each with its label and errors: what a template loop over the
        bound fields wrote (``issues/tests/test_filter_form.py`` keeps that loop and compares), without
        the template's forty look-ups a field."""
        parts = []
        for bound in self.form:
            name = bound.name
            if name in ("tab", "overdue"):
                continue
            width = "col-12 col-md-4 col-xl-3" if name == "q" else "col-6 col-md-3 col-xl-2"
            field_id = conditional_escape(bound.id_for_label)
            if name == "enterprise":
                # a datalist the suggestions fill as the user types (issues:enterprise_suggest)
                control = (
                    f'\n          <input type="text" name="enterprise" id="{field_id}" '
                    f'value="{conditional_escape(bound.value() or "")}" class="form-control form-control-sm" '
                    'list="enterprise-options" autocomplete="off" maxlength="100"\n'
                    f'                 hx-get="{conditional_escape(reverse("issues:enterprise_suggest"))}" '
                    'hx-trigger="input changed delay:300ms" hx-target="#enterprise-options" hx-swap="innerHTML" '
                    'hx-push-url="false">\n          <datalist id="enterprise-options"></datalist>\n        '
                )
            else:
                control = str(bound)
            errors = bound.errors
            if errors:
                errors = f'<div class="invalid-feedback d-block small">{join(errors, " ")}</div>'
            label = conditional_escape(bound.label)
            parts.append(
                f'\n      <div class="{width}">\n'
                f'        <label for="{field_id}" class="form-label small mb-0">{label}</label>\n'
                f"        {control}\n        {errors or ''}\n      </div>\n      "
            )
        return mark_safe("".join(parts))

    # values the view reads itself (tab, sort, page size)
    def keep(self, queryset, name, value):
        return queryset

    def cleaned(self, name, default):
        if not self.is_bound or not self.form.is_valid() and name in self.form.errors:
            return default
        value = self.form.cleaned_data.get(name)
        return value if value not in (None, "") else default

    def _r(self, path: str) -> str:
        return f"{self.spec.to_request}{path}"

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        enterprises = enterprise_ids_matching(value)
        if self.spec.over_dispatches:
            # a department's tasks are a few thousand at most: their requests that match are read once, so
            # the tab counts and the page look them up by id instead of each matching the text again (four
            # passes over the tasks' requests, and a trigram scan of the province's matches for the live
            # tabs: 300 ms for a common word at a province's million). The text is matched on the tasks'
            # own copy of it (Dispatch.request_title, request_description), whose indexes are led by the
            # department (trigrams for a longer term, grams for a short one: task_text_matches): only the
            # department's matches are read, not the request of each of its tasks (23 ms for the
            # province's busiest department, whatever the word); the enterprise and the
            # work-order number by the requests' own indexes
            tasks = queryset.order_by()
            in_tasks = tasks.filter(task_text_matches(value)).values_list("request_id", flat=True)
            other = (
                Request.objects.filter(other_matches(value, enterprises), pk__in=tasks.values("request_id"))
                .order_by()
                .values_list("pk", flat=True)
            )
            ids = list(in_tasks.union(other)[: TASK_MATCH_LIMIT + 1])
            if len(ids) <= TASK_MATCH_LIMIT:
                return queryset.filter(request_id__any=queues.padded(ids))
        else:
            # a term of one or two characters: its few matches in the scope are read from the grams indexes
            # once, and the counts and the page look them up by id
            ids = short_term_ids(queryset, value, enterprises)
            if ids is not None:
                return queryset.filter(pk__any=queues.padded(ids))
            if is_short(value) and self.spec.large and not self.narrowed():
                # too many matches for that (a common pair): the page and the ended tabs check the text row by
                # row, where a common word's rows come soon; the live tabs are counted over the scope's live
                # matches, read from their own grams index (migration 0030): the province's 15,103 live
                # requests compared one by one took 21 ms of its counts, the index's 1,218 matches 7 ms.
                # Not with another filter: PostgreSQL then finds the rows it keeps on their own index (the
                # overdue ones, a state's, those due within days) and works the grams out on each of them
                # (330–370 ms for the province's 10,000), where the plain condition compares their text
                self.live_matches = queryset.filter(status__in=queues.LIVE_STATUSES).filter(
                    live_grams(value, enterprises)
                )
        return queryset.filter(text_matches(value, enterprises, self.spec.to_request))

    def narrowed(self) -> bool:
        """A filter other than the text search narrows the rows (the tab, the order and the page size do not;
        an unbound filter set, the list as first opened, has none)."""
        if not self.is_bound:
            return False
        self.form.is_valid()  # the cleaned values (of the valid fields: the others are ignored)
        return any(value for name, value in self.form.cleaned_data.items() if name not in self.UNFILTERED)

    def filter_state(self, queryset, name, value):
        return queryset.filter(**{self._r("status"): value})

    def filter_category(self, queryset, name, value):
        return queryset.filter(**{self._r("category"): value})

    def filter_source(self, queryset, name, value):
        return queryset.filter(**{self._r("source"): value})

    def filter_region(self, queryset, name, value):
        return queryset.filter(**{self._r("region_id__in"): Region.objects.subtree(value).values("pk")})

    def filter_enterprise(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(**{self._r("enterprise_id__any"): enterprise_ids_matching(value)})

    def filter_department(self, queryset, name, value):
        if self.spec.over_dispatches:
            return queryset.filter(department=value)
        return queryset.filter(lead_department=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(queues.overdue_condition(self.spec, self.now)) if value else queryset

    def filter_due_within(self, queryset, name, value):
        return queryset.filter(queues.due_before_condition(self.spec, self.now + timedelta(days=int(value))))

    def filter_from(self, queryset, name, value):
        return queryset.filter(**{self._r("submitted_at__gte"): _start_of(value)})

    def filter_to(self, queryset, name, value):
        return queryset.filter(**{self._r("submitted_at__lt"): _start_of(value + timedelta(days=1))})


class CommissionerQueueFilter(QueueFilterBase):
    role = django_filters.ChoiceFilter(
        label=_l("My role"), choices=Pairing.Role.choices, method="filter_role", empty_label=_l("A and B")
    )
    kind = queues.COMMISSIONER

    def configure(self):
        region = self.form.fields["region"]
        region.queryset = Region.objects.exclude(level=Region.Level.TOWN)
        region.listed = ListedRegions(kept=self.listing)
        department = self.form.fields["department"]
        department.queryset = Department.objects.filter(is_active=True)
        # the same rows as the bulk form's lead departments, kept by the process (portal/orgs/listing.py)
        self.departments = department.listed = ListedDepartments(kept=self.listing)

    def filter_role(self, queryset, name, value):
        paired = Pairing.objects.active().filter(commissioner=self.user, role=value).values("enterprise_id")
        return queryset.filter(enterprise_id__in=paired)


class DepartmentQueueFilter(QueueFilterBase):
    kind = queues.DEPARTMENT

    def configure(self):
        region = self.form.fields["region"]
        region.queryset = Region.objects.exclude(level=Region.Level.TOWN)
        region.listed = ListedRegions(kept=self.listing)
        self.form.fields["department"].queryset = Department.objects.filter(pk__any=handled_department_ids(self.user))
        self.form.fields["department"].label = _l("My department")


class EnterpriseListFilter(QueueFilterBase):
    kind = queues.ENTERPRISE
    # an enterprise's own requests: no region, enterprise, department or source to choose
    region = enterprise = department = source = None


class SupervisorListFilter(QueueFilterBase):
    kind = queues.SUPERVISOR

    def configure(self):
        paths = supervised_paths(self.user)
        scope = region_scope_for(self.user, paths)
        region = self.form.fields["region"]
        region.queryset = scope.exclude(level=Region.Level.TOWN)
        region.listed = ListedRegions(paths, kept=self.listing)
        department = self.form.fields["department"]
        department.queryset = Department.objects.filter(region_id__in=scope.values("pk"), is_active=True)
        department.listed = ListedDepartments(paths, kept=self.listing)


FILTERS = {
    queues.COMMISSIONER: CommissionerQueueFilter,
    queues.DEPARTMENT: DepartmentQueueFilter,
    queues.ENTERPRISE: EnterpriseListFilter,
    queues.SUPERVISOR: SupervisorListFilter,
}
