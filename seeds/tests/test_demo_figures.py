"""The seeded demo shows the figures of the source articles on the default dashboard (this year), with the
live demo work for the logins counted inside them. Slow (the whole demo city): one module, one test."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from issues.models import Card, CardKind, Evaluation, RequestEvent, Source, Verdict, Visit
from portal.accounts.models import User
from portal.orgs.models import Region

pytestmark = pytest.mark.django_db


def _figures(client, **params):
    response = client.get(reverse("supervision:dashboard"), params)
    assert response.status_code == 200
    return response.context["figures"]


def test_the_default_dashboard_shows_the_articles_figures(client):
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(username="dudao"))

    city = _figures(client)
    assert city["resolution_rate"] == 97.5
    assert (city["resolved"], city["received"]) == (2340, 2400)  # 34,485 of 35,363 in proportion

    kuiwen = _figures(client, region=Region.objects.get(code="370705").pk)
    assert (kuiwen["received"], kuiwen["resolved"], kuiwen["satisfaction"]) == (116, 92, 96.2)
    fangzi = _figures(client, region=Region.objects.get(code="370704").pk)
    assert (fangzi["received"], fangzi["resolved"]) == (150, 142)
    assert fangzi["satisfied"] == 142  # every resolved request rated 满意
    response = client.get(reverse("supervision:dashboard"), {"region": Region.objects.get(code="370704").pk})
    assert "满意" in response.content.decode() or "Rated satisfied" in response.content.decode()

    # the trail behind the figures
    assert Card.objects.filter(kind=CardKind.RED).exists()
    assert Card.objects.filter(kind=CardKind.YELLOW).exists()
    for card in Card.objects.filter(kind=CardKind.RED).select_related("request")[:50]:
        assert card.unit_id == card.request.lead_department_id
    reopened = RequestEvent.objects.filter(action="reopen").values_list("request_id", flat=True)
    from issues.models import Request

    assert set(reopened) == set(Request.objects.filter(reopen_count__gt=0).values_list("pk", flat=True))
    assert reopened.count() == sum(Request.objects.values_list("reopen_count", flat=True))
    for rating in Evaluation.objects.filter(verdict=Verdict.DISSATISFIED).select_related("request"):
        first_answer = (
            RequestEvent.objects.filter(request=rating.request, action="answer").order_by("created_at").first()
        )
        assert first_answer.created_at < rating.created_at < rating.request.answered_at
    visit_sourced = Request.objects.filter(source=Source.VISIT)
    assert visit_sourced.exists()
    # one enterprise visit per visit-sourced request (key-project site visits come on top)
    assert Visit.objects.filter(project__isnull=True).count() == visit_sourced.count()
    titles = set(Request.objects.values_list("title", flat=True))
    assert not any("审批手续审批手续" in t or "{}" in t for t in titles)

    # loading again changes no figure
    call_command("seed_demo", stdout=io.StringIO())
    again = _figures(client, region=Region.objects.get(code="370705").pk)
    assert (again["received"], again["resolved"]) == (116, 92)
