from datetime import date, datetime

import pytest
import time_machine

from issues import reminders, services
from issues.cards import card_revoke
from issues.clock import SHANGHAI
from issues.models import Card, CardKind, Category
from issues.services import TransitionError
from portal.accounts.models import AuditEvent
from portal.orgs.models import Pairing


@pytest.fixture
def card(alice, acme, bob, bert, dora, dave, dan):
    Pairing.objects.update(starts_on=date(2020, 1, 1))
    with time_machine.travel(datetime(2025, 9, 30, 16, tzinfo=SHANGHAI), tick=False):
        services.request_submit(
            actor=alice,
            enterprise=acme,
            category=Category.objects.get(code="finance"),
            title="用地指标",
            description="需要用地指标。",
        )
    with time_machine.travel(datetime(2025, 10, 9, 17, tzinfo=SHANGHAI), tick=False):
        reminders.sweep()
    return Card.objects.get()


def test_it_lets_a_supervisor_in_scope_revoke_a_card_with_a_reason(card, dora):
    card_revoke(card_id=card.pk, actor=dora, reason="系统节假日配置错误")
    card.refresh_from_db()
    assert card.revoked_by == dora and card.revoke_reason == "系统节假日配置错误"
    audit = AuditEvent.objects.get(action=AuditEvent.Action.CARD)
    assert audit.actor == dora and audit.detail["revoked"] is True
    assert card.request.events.filter(action="yellow_card_revoked").exists()


def test_it_needs_a_reason(card, dora):
    with pytest.raises(TransitionError):
        card_revoke(card_id=card.pk, actor=dora, reason="  ")


def test_it_refuses_supervisors_of_other_regions_and_other_roles(card, dan, bob):
    from django.core.exceptions import PermissionDenied

    for user in (dan, bob):
        with pytest.raises(PermissionDenied):
            card_revoke(card_id=card.pk, actor=user, reason="不该由我撤销")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CARD).exists()


def test_the_revoke_page_confirms_and_records(client, card, dora):
    client.force_login(dora)
    assert client.get(f"/cards/{card.pk}/revoke/").status_code == 200
    response = client.post(f"/cards/{card.pk}/revoke/", {"reason": ""})
    assert response.status_code == 200 and Card.objects.get().revoked_at is None
    response = client.post(f"/cards/{card.pk}/revoke/", {"reason": "经核实企业主动要求暂缓"})
    assert response.status_code == 302 and Card.objects.get().revoked_at is not None


def test_the_card_pages_are_for_supervisors_in_scope(client, card, dan, bob, dora):
    client.force_login(dan)
    assert client.get(f"/cards/{card.pk}/revoke/").status_code == 404
    assert card.unit.name not in client.get("/cards/").content.decode()
    client.force_login(bob)
    assert client.get("/cards/").status_code == 403
    client.force_login(dora)
    link = f"/cards/{card.pk}/revoke/"
    assert link in client.get("/cards/", {"kind": "yellow", "month": "2025-10"}).content.decode()
    assert link not in client.get("/cards/", {"month": "2025-11"}).content.decode()
    assert link not in client.get("/cards/", {"kind": "red"}).content.decode()


def test_the_request_page_include_shows_cards(card, rf, dora):
    from django.template.loader import render_to_string

    html = render_to_string("issues/cards/_request_cards.html", {"req": card.request, "user": dora})
    assert card.unit.name in html and f"/cards/{card.pk}/revoke/" in html
    assert card.kind == CardKind.YELLOW
