"""The day's work without rough edges: departments (docs/requests.md, "Co-handling opinions")."""

from datetime import timedelta

import pytest
from django.urls import reverse

from issues import services
from issues.models import Dispatch, Outcome, Verdict
from issues.templatetags.issues_tags import status_badge

from .factories import co_dispatch, co_opinion_deadline_passes, dispatched, fresh, lead_dispatch, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(acme, alice, bob, hr_bureau, housing_bureau):
    return dispatched(make_request(acme, alice), bob, hr_bureau, co=[housing_bureau])


def test_the_department_queue_row_offers_an_extension(client, sent, carol):
    client.force_login(carol)
    lead = lead_dispatch(sent)
    page = client.get(reverse("issues:department_queue")).content.decode()
    assert reverse("issues:dispatch_extension", args=[lead.pk]) in page


def test_the_row_offers_no_extension_while_one_waits(client, sent, carol):
    lead = lead_dispatch(sent)
    services.extension_request(
        dispatch_id=lead.pk, actor=carol, reason="需协调省厅", requested_due_at=sent.answer_due_at + timedelta(days=5)
    )
    client.force_login(carol)
    page = client.get(reverse("issues:department_queue")).content.decode()
    assert reverse("issues:dispatch_extension", args=[lead.pk]) not in page


def test_the_co_handler_is_told_its_opinion_went_to_the_lead(client, sent, chris, housing_bureau):
    co = co_dispatch(sent, housing_bureau)
    client.force_login(chris)
    response = client.post(
        reverse("issues:dispatch_answer", args=[co.pk]), {"version": co.version, "body": "同意"}, follow=True
    )
    assert "您的意见已送交主办单位（市人社局）" in response.content.decode()


def test_the_lead_sees_the_co_handlers_opinion_on_its_answer_form(client, sent, carol, chris, housing_bureau):
    co = co_dispatch(sent, housing_bureau)
    services.dispatch_answer(dispatch_id=co.pk, actor=chris, body="宿舍由园区人才公寓解决")
    client.force_login(carol)
    page = client.get(reverse("issues:request_detail", args=[sent.pk])).content.decode()
    assert "宿舍由园区人才公寓解决" in page.split('class="card mb-2 co-opinions"', 1)[1].split("</ul>", 1)[0]
    assert f'id="action-answer-{lead_dispatch(sent).pk}"' in page


def test_a_silent_co_handler_is_not_shown_as_cancelled_once_closed(sent, alice, carol, housing_bureau):
    co_opinion_deadline_passes(sent)
    services.dispatch_answer(dispatch_id=lead_dispatch(sent).pk, actor=carol, outcome=Outcome.RESOLVED, body="已解决")
    services.request_evaluate(req_id=sent.pk, actor=alice, verdict=Verdict.SATISFIED)
    co = co_dispatch(fresh(sent), housing_bureau)
    assert co.role == Dispatch.Role.CO
    assert "办结时未提出意见" in str(status_badge(co))
    assert "已取消" not in str(status_badge(co))
