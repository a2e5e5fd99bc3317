"""The ranking weights decide the monthly scores: every change is audited with its values."""

import pytest
from django.apps import apps
from django.test import RequestFactory

from portal.accounts.audit import audit_context, client_ip
from portal.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db

RankingWeights = apps.get_model("supervision", "RankingWeights")

BEHIND_PROXY = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.10", "HTTP_X_REAL_IP": "203.0.113.10"}


def weights_form(**values) -> dict:
    return {
        "on_time_dispatch": "20",
        "on_time_answer": "25",
        "resolution": "30",
        "satisfaction": "25",
        "yellow_card_penalty": "1",
        "red_card_penalty": "3",
        "project_service": "10",
        **values,
    }


def weight_changes(**filters):
    return AuditEvent.objects.filter(action="rule_change", target_type="supervision.rankingweights", **filters)


def test_it_records_ranking_weights_changed_in_the_admin(admin_client, admin_user):
    weights = RankingWeights.objects.create()
    response = admin_client.post(
        f"/admin/supervision/rankingweights/{weights.pk}/change/",
        weights_form(resolution="35", satisfaction="20.5"),
        **BEHIND_PROXY,
    )
    assert response.status_code == 302
    (event,) = weight_changes(actor=admin_user)
    assert event.changes == {
        "resolution": {"before": "30.00", "after": "35.00"},
        "satisfaction": {"before": "25.00", "after": "20.50"},
    }
    assert (event.via, event.ip_address) == ("admin", client_ip(RequestFactory().get("/", **BEHIND_PROXY)))
    assert event.ip_address


def test_it_records_new_weights_added_in_the_admin(admin_client, admin_user):
    response = admin_client.post("/admin/supervision/rankingweights/add/", weights_form(red_card_penalty="5"))
    assert response.status_code == 302
    (event,) = weight_changes(actor=admin_user)
    assert event.detail["created"] and event.changes["red_card_penalty"] == {"before": None, "after": "5.00"}


def test_it_records_weights_changed_by_a_service_with_its_actor_and_ignores_saves_that_change_nothing(admin_user):
    weights = RankingWeights.objects.create()
    with audit_context(actor=admin_user, via="service"):
        weights.save()
        weights.red_card_penalty = 4
        weights.save()
    (event,) = weight_changes(actor=admin_user)
    assert event.via == "service" and event.changes == {"red_card_penalty": {"before": "3.00", "after": "4.00"}}
