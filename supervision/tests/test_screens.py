"""What supervisors see on their screens: labels in their language, every department, totals, menus,
return visits that leave the list once done, rankings previewed and published with one confirmation."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from supervision.models import RankingSnapshot, ReturnVisit, UnitKind
from supervision.services import return_visit_record

from .conftest import MARCH


def test_the_english_dashboard_has_english_rate_labels(month, client, dave, at_later):
    client.force_login(dave)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("supervision:dashboard"), MARCH).content.decode()
    for chinese in ("解决率", "按时交办率", "按时答复率", "满意系数", "重办率"):
        assert chinese not in page
    assert "Resolution rate" in page and "Share of answered requests reopened" in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("supervision:dashboard"), MARCH).content.decode()
    assert "解决率" in page


def test_figures_as_of_shows_the_date(month, client, dave, at_later):
    client.force_login(dave)
    page = client.get(reverse("supervision:dashboard"), MARCH).content.decode()
    assert "2025-03-17 10:00" in page


def test_every_department_with_requests_is_charted(month, client, dave, at_later):
    from issues.models import Request
    from portal.orgs import factories as f

    for n in range(17):
        Request.objects.filter(pk=month.r[1].pk).update(lead_department=f.DepartmentFactory(name=f"部门{n}"))
    client.force_login(dave)
    departments = client.get(reverse("supervision:dashboard"), MARCH).context["chart_data"]["department"]
    names = {row["name"] for row in departments}
    assert {"奎文区住建局", "坊子区住建局"} <= names


def test_the_trend_marks_a_running_month_as_partial(month, client, dave):
    client.force_login(dave)
    with time_machine.travel(datetime(2025, 3, 17, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        year = client.get(reverse("supervision:dashboard")).context["chart_data"]["trend"]
    with time_machine.travel(datetime(2025, 4, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        client.force_login(dave)  # a new session: the idle one from 17 March has expired
        finished = client.get(reverse("supervision:dashboard"), {**MARCH, "to": "2025-03-30"})
    assert year["partial"] is True  # this year ends today, in the middle of March
    trend = finished.context["chart_data"]["trend"]
    assert trend["labels"] and trend["partial"] is False  # a past period whose last week ended on Sunday 30 March


def test_drill_lists_show_their_total(month, client, dave, at_later):
    client.force_login(dave)
    page = client.get(reverse("supervision:drill"), {**MARCH, "metric": "received"})
    assert 'data-total="6"' in page.content.decode()


def test_the_supervision_menu_is_on_ranking_history_and_cards(month, client, dave, at_later):
    client.force_login(dave)
    for url in (reverse("supervision:ranking"), reverse("supervision:ranking_history"), reverse("cards:list")):
        page = client.get(url).content.decode()
        assert reverse("cards:list") in page and reverse("supervision:return_visits") in page, url


def test_the_card_filters_are_styled_and_in_chinese(month, client, dave, at_later):
    client.force_login(dave)
    page = client.get(reverse("cards:list")).content.decode()
    assert "---------" not in page and "未知" not in page
    assert 'class="form-select"' in page and "有效" in page
    listed = client.get(reverse("cards:list"), {"revoked": "true"}).context["page_obj"]
    assert all(card.revoked_at for card in listed)


def test_a_finished_return_visit_leaves_the_list(month, client, dave, at_later):
    client.force_login(dave)
    r4 = month.r[4]  # closed not evaluated
    page = client.get(reverse("supervision:return_visit", args=[r4.pk]))
    html = page.content.decode()
    assert "---------" not in html and "回访结果" in html
    assert reverse("issues:request_detail", args=[r4.pk]) in html
    listed = client.get(reverse("supervision:return_visits"), MARCH).context["page"]
    assert r4.pk in {r.pk for r in listed}
    return_visit_record(actor=dave, req=r4, outcome=ReturnVisit.Outcome.UNREACHABLE)
    listed = client.get(reverse("supervision:return_visits"), MARCH).context["page"]
    assert r4.pk in {r.pk for r in listed}  # nobody answered: still to do
    client.post(reverse("supervision:return_visit", args=[r4.pk]), {"outcome": "satisfied", "note": "已解决"})
    listed = client.get(reverse("supervision:return_visits"), MARCH).context["page"]
    assert r4.pk not in {r.pk for r in listed}
    done = client.get(reverse("supervision:return_visits"), {**MARCH, "done": "1"}).context["page"]
    assert r4.pk in {r.pk for r in done}


def test_a_request_finally_rated_satisfied_is_not_called_dissatisfied(month, client, dave, at_later):
    client.force_login(dave)
    page = client.get(reverse("supervision:return_visits"), MARCH).content.decode()
    # r2 was rejected once, then rated 基本满意: listed for the reopen, not as dissatisfied
    assert "最终评价" in page and "最后评价不满意" not in page


def test_an_out_of_scope_region_is_refused_with_a_message(month, client, dora, fangzi, at_later):
    client.force_login(dora)
    page = client.get(reverse("supervision:dashboard"), {**MARCH, "region": fangzi.pk}, follow=True)
    assert "不在您的督导范围内" in page.content.decode()
    assert page.context["figures"]["received"] == 5  # her own Kuiwen, said so


def test_an_unpublished_month_is_previewed_and_all_kinds_publish_at_once(month, client, dave):
    client.force_login(dave)
    with time_machine.travel(datetime(2025, 4, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        page = client.get(reverse("supervision:ranking"), {"month": "2025-03", "kind": "region"})
        assert [row["unit_name"] for row in page.context["preview"]][:1] == ["坊子区"]
        html = page.content.decode()
        assert 'id="publish-all"' in html and "data-confirm" in html
        assert not RankingSnapshot.objects.exists()  # previewing freezes nothing
        client.post(reverse("supervision:ranking_publish"), {"month": "2025-03", "kind": "all"})
    published = set(RankingSnapshot.objects.filter(month=date(2025, 3, 1)).values_list("kind", flat=True))
    assert published == set(UnitKind.values)


def test_decided_extensions_have_a_history(month, client, alice, bob, chris, dave, housing_bureau):
    from datetime import timedelta

    from issues import services as s
    from issues.models import Dispatch

    client.force_login(dave)
    assert "还没有已审批的延期申请" in client.get(reverse("issues:extension_list"), {"decided": "1"}).content.decode()
    req = s.request_submit(
        actor=alice,
        enterprise=alice.enterprise_memberships.first().enterprise,
        category=month.category,
        title="需要延期的诉求",
        description="说明",
    )
    s.request_dispatch(req_id=req.pk, actor=bob, lead=housing_bureau)
    dispatch = Dispatch.objects.get(request=req, role="lead")
    s.dispatch_accept(dispatch_id=dispatch.pk, actor=chris)
    req.refresh_from_db()
    extension = s.extension_request(
        dispatch_id=dispatch.pk,
        actor=chris,
        reason="需要现场勘查",
        requested_due_at=req.answer_due_at + timedelta(days=5),
    )
    assert extension.pk not in {
        x.pk for x in client.get(reverse("issues:extension_list"), {"decided": "1"}).context["page"]
    }
    s.extension_decide(extension_id=extension.pk, actor=dave, approve=True, comment="同意")
    history = client.get(reverse("issues:extension_list"), {"decided": "1"})
    assert extension.pk in {x.pk for x in history.context["page"]}
    assert "需要延期的诉求" in history.content.decode() and "同意" in history.content.decode()
    assert extension.pk not in {
        row["extension"].pk for row in client.get(reverse("issues:extension_list")).context["rows"]
    }
