"""Review findings: hostile input never becomes a 500 or a formula, and a request names only a project of its
own enterprise.

Formula injection in the request export, extreme filter dates, out-of-range card months, malformed ids on
bulk dispatch and export, and another enterprise's key project on request_submit."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from issues.card_views import CardFilter
from issues.forms import parse_selection
from issues.models import Card, Request, Visit
from issues.services import TransitionError
from portal.accounts.spreadsheets import safe_cell
from portal.orgs import factories as f
from projects.models import Project

from .factories import category, make_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
FORMULA = '=HYPERLINK("http://x/","a")'


# ---------------------------------------------------------------------------------------------
# formula injection


@pytest.mark.parametrize("value", [FORMULA, "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_keeps_formula_starts_as_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["招工难", "", 5, -3, 1.5, None])
def test_safe_cell_leaves_other_values_alone(value):
    assert safe_cell(value) == value


def test_it_exports_a_formula_like_title_as_text(client, acme, alice, bob):
    req = make_request(acme, alice, title=FORMULA)
    client.force_login(bob)
    response = client.post(
        reverse("issues:request_export"), {"ids": [f"{req.pk}:{req.version}"], "list": "commissioner"}
    )
    sheet = load_workbook(BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s"
    assert cell.value == "'" + FORMULA


# ---------------------------------------------------------------------------------------------
# extreme dates and months


@pytest.mark.parametrize(
    "who, name, params",
    [
        ("bob", "queue", {"submitted_to": "9999-12-31"}),
        ("bob", "queue", {"submitted_from": "0001-01-01"}),
        ("alice", "my_requests", {"submitted_from": "0001-01-01"}),
        ("alice", "my_requests", {"submitted_to": "9999-12-31"}),
        ("dave", "supervisor_list", {"submitted_from": "1999-12-31", "submitted_to": "2101-01-01"}),
    ],
)
def test_it_ignores_filter_dates_out_of_range_with_a_message(
    client, acme, alice, bob, dave, request, who, name, params
):
    req = make_request(acme, alice)
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(f"issues:{name}"), params)
    assert response.status_code == 200
    assert [row.pk for row in response.context["page"]] == [req.pk]
    text = response.content.decode()
    assert "were ignored" in text
    assert "Enter a date between 2000-01-01 and 2100-12-31." in text


def test_it_still_filters_on_dates_in_range(client, acme, alice):
    make_request(acme, alice)
    client.force_login(alice)
    response = client.get(reverse("issues:my_requests"), {"submitted_to": "2000-01-01"})
    assert response.status_code == 200 and list(response.context["page"]) == []
    assert "were ignored" not in response.content.decode()


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12", "2101-01", "2025-²"])
def test_it_refuses_a_card_month_outside_the_years_with_a_message(client, dora, month):
    client.force_login(dora)
    response = client.get("/cards/", {"month": month})
    assert response.status_code == 200
    assert "Give the month as YYYY-MM, between 2000-01 and 2100-12." in response.content.decode()


def test_it_filters_cards_on_a_month_in_range(dora):
    qs = Card.objects.all()
    assert CardFilter({"month": "2025-10"}, queryset=qs, user=dora).form.is_valid()
    assert not CardFilter({"month": "9999-12"}, queryset=qs, user=dora).form.is_valid()


# ---------------------------------------------------------------------------------------------
# malformed ids on bulk dispatch and export


def test_parse_selection_accepts_ascii_ids_that_fit_a_bigint_only():
    raw = ["²", "1:²", "99999999999999999999999", "3:99999999999999999999999", "٣", "4", "5:2", "0", "-1"]
    assert parse_selection(raw) == [(4, None), (5, 2)]
    assert parse_selection([str(2**63 - 1)]) == [(2**63 - 1, None)]
    assert parse_selection([str(2**63)]) == []


@pytest.mark.parametrize("ids", ["²", "1:²", "99999999999999999999999"])
@pytest.mark.parametrize("name", ["request_export", "bulk_dispatch"])
def test_it_never_fails_on_malformed_ids(client, acme, alice, bob, hr_bureau, name, ids):
    make_request(acme, alice)
    client.force_login(bob)
    response = client.post(reverse(f"issues:{name}"), {"ids": ids, "list": "commissioner", "lead": hr_bureau.pk})
    assert response.status_code == 302
    text = " ".join(str(m) for m in client.get(response["Location"]).context["messages"])
    assert "Tick the requests" in text


# ---------------------------------------------------------------------------------------------
# key projects of other enterprises


def test_it_refuses_a_project_of_another_enterprise_in_the_same_region(acme, alice, kuiwen):
    rival = f.EnterpriseFactory(region=kuiwen)
    project = Project.objects.create(name="对手的项目", region=kuiwen, enterprise=rival)
    with pytest.raises(TransitionError):
        make_request(acme, alice, project=project)


def test_it_refuses_a_project_without_enterprise_in_another_district(acme, alice, fangzi):
    project = Project.objects.create(name="坊子项目", region=fangzi)
    with pytest.raises(TransitionError):
        make_request(acme, alice, project=project)


def test_it_refuses_a_project_of_another_enterprise_in_another_district(acme, alice, globex):
    project = Project.objects.create(name="环球项目", region=globex.region, enterprise=globex)
    with pytest.raises(TransitionError):
        make_request(acme, alice, project=project)


def test_it_accepts_its_own_project_and_an_unowned_one_in_its_region(acme, alice, kuiwen, kuiwen_town, city):
    own = Project.objects.create(name="阿克米扩建", region=kuiwen, enterprise=acme)
    unowned = Project.objects.create(name="奎文园区", region=kuiwen)
    in_town = Project.objects.create(name="东关街道项目", region=kuiwen_town)
    for project in (own, unowned, in_town):
        assert make_request(acme, alice, project=project).project == project


def test_it_refuses_a_visit_naming_another_enterprises_project(client, acme, bob, kuiwen):
    rival = f.EnterpriseFactory(region=kuiwen)
    project = Project.objects.create(name="对手的项目", region=kuiwen, enterprise=rival)
    project.commissioners.add(bob)
    client.force_login(bob)
    response = client.post(
        reverse("issues:visit_create"),
        {
            "visited_on": timezone.localdate().isoformat(),
            "enterprise": acme.pk,
            "project": project.pk,
            "req-TOTAL_FORMS": "1",
            "req-INITIAL_FORMS": "0",
            "req-0-category": category().pk,
            "req-0-title": "用工",
            "req-0-description": "缺焊工",
        },
    )
    assert response.status_code == 200
    assert "does not belong to the chosen enterprise" in response.content.decode()
    assert not Request.objects.exists() and not Visit.objects.exists()
