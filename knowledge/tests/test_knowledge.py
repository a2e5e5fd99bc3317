import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from issues import services as issue_services
from issues.models import Outcome, Verdict
from issues.tests.factories import answered, category, fresh, lead_dispatch, make_request
from knowledge import notices, services
from knowledge.models import Citation, Deflection, DispatchSuggestion, EntryStatus, Kind, PolicyNotice
from knowledge.selectors import (
    entry_visible_to,
    hit_rate,
    hit_rate_backtest,
    search,
    similar_resolved,
    suggest_lead,
)
from knowledge.tests.factories import published
from portal.notifications.models import Notification
from portal.orgs import factories as f
from portal.orgs.models import EnterpriseSize, Industry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(dave):
    return [
        published(dave, title="稳岗返还政策申领指南", body="参保企业登录人社网上办事大厅，在线申请稳岗返还。"),
        published(dave, title="高新技术企业认定", body="研发费用占比达到要求的企业可申报，材料报科技局。"),
        published(dave, title="用电报装流程", body="大工业用电报装请到供电公司营业厅办理。", kind=Kind.POLICY),
    ]


def test_it_finds_entries_by_chinese_words_in_title_or_text(entries, alice):
    visible = entry_visible_to(alice)
    assert [e.title for e in search(visible, "稳岗返还")] == ["稳岗返还政策申领指南"]
    assert [e.title for e in search(visible, "科技局")] == ["高新技术企业认定"]
    assert [e.title for e in search(visible, "企业 申报")] == ["高新技术企业认定"]
    assert list(search(visible, "不存在的词")) == []


def test_the_list_page_searches_filters_and_says_when_nothing_matches(client, entries, alice):
    client.force_login(alice)
    page = client.get(reverse("knowledge:list"), {"q": "用电"}).content.decode()
    assert "用电报装流程" in page and "稳岗返还" not in page
    page = client.get(reverse("knowledge:list"), {"kind": "policy"}).content.decode()
    assert "用电报装流程" in page and "高新技术" not in page
    empty = client.get(reverse("knowledge:list"), {"q": "火星"}).content.decode()
    assert "empty-state" in empty


def test_the_list_page_pins_its_queries(client, entries, alice, django_assert_max_num_queries):
    client.force_login(alice)
    # session, user, the bell, the visibility checks, categories of the filter form, count, one page
    with django_assert_max_num_queries(9):
        client.get(reverse("knowledge:list"), {"q": "企业"})


def test_retired_and_draft_entries_are_hidden_from_enterprises(entries, dave, alice):
    services.entry_retire(actor=dave, entry_id=entries[0].pk)
    draft = services.entry_create(actor=dave, title="草稿", body="尚未发布")
    assert set(entry_visible_to(alice)) == {entries[1], entries[2]}
    assert {entries[0], draft} <= set(entry_visible_to(dave))


def test_a_handler_publishes_only_for_their_department(carol, hr_bureau, housing_bureau):
    entry = services.entry_create(actor=carol, department=hr_bureau, title="社保补贴", body="按月申领", publish=True)
    assert entry.status == EntryStatus.PUBLISHED
    with pytest.raises(ValidationError):
        services.entry_create(actor=carol, department=housing_bureau, title="住房", body="不属于本部门")


# ---------------------------------------------------------------------------------------------
# similar requests: fixtures whose right answer is known


@pytest.fixture
def history(acme, alice, bob, carol, hr_bureau, housing_bureau, chris):
    """Three resolved requests of acme's district; the welder one is the right answer for a welder question."""
    welders = answered(
        make_request(
            acme, alice, category=category("labour"), title="急需招聘30名熟练焊工", description="扩产需要焊工。"
        ),
        bob,
        hr_bureau,
        carol,
        body="已在人社局招聘会为企业设专场，推荐焊工40名。",
    )
    loan = answered(make_request(acme, alice), bob, hr_bureau, carol, body="已协调银行审批。")
    permit = answered(
        make_request(acme, alice, category=category("land"), title="厂房施工许可证办理缓慢", description="许可证。"),
        bob,
        housing_bureau,
        chris,
        body="住建局已开通绿色通道。",
    )
    return {"welders": welders, "loan": loan, "permit": permit}


def test_it_suggests_the_resolved_request_that_answers_the_question(history, acme):
    found = similar_resolved(
        title="招聘焊工困难",
        description="新生产线缺少焊工",
        category=category("labour"),
        industry=acme.industry,
        region=acme.region,
    )
    assert found[0].request.pk == history["welders"].pk
    assert "推荐焊工40名" in found[0].answer
    assert found[0].department.name == "市人社局"


def test_it_suggests_nothing_for_an_unrelated_question(history, acme):
    assert (
        similar_resolved(
            title="出口退税",
            description="海关",
            category=category("labour"),
            industry=acme.industry,
            region=acme.region,
        )
        == []
    )


def test_it_keeps_other_districts_requests_out_of_the_suggestions(history, globex, fangzi):
    assert (
        similar_resolved(
            title="急需招聘焊工", description="", category=category("labour"), industry=globex.industry, region=fangzi
        )
        == []
    )


def test_the_filing_form_fragment_shows_entries_and_similar_answers(client, history, entries, alice):
    client.force_login(alice)
    response = client.get(
        reverse("knowledge:suggest"),
        {"title": "急需招聘焊工", "description": "", "category": category("labour").pk},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert "推荐焊工40名" in page and reverse("knowledge:deflect") in page
    assert "<html" not in page


def test_marking_an_answer_counts_a_deflection_and_files_nothing(client, entries, alice, acme):
    client.force_login(alice)
    before = acme.request_set.count() if hasattr(acme, "request_set") else None
    response = client.post(
        reverse("knowledge:deflect"), {"entry": entries[0].pk, "enterprise": acme.pk, "title": "稳岗返还怎么领"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("issues:my_requests")
    deflection = Deflection.objects.get()
    assert deflection.entry == entries[0] and deflection.enterprise == acme and deflection.title == "稳岗返还怎么领"
    assert before is None or acme.request_set.count() == before


def test_a_deflection_needs_an_answer_the_user_could_see(client, dave, alice, acme):
    draft = services.entry_create(actor=dave, title="草稿", body="未发布")
    client.force_login(alice)
    client.post(reverse("knowledge:deflect"), {"entry": draft.pk, "enterprise": acme.pk})
    assert not Deflection.objects.exists()


# ---------------------------------------------------------------------------------------------
# dispatch: the suggested lead department, recorded and its hit rate


def test_the_dispatch_records_the_suggestion_and_whether_it_was_followed(
    history, acme, alice, bob, hr_bureau, housing_bureau
):
    followed = make_request(acme, alice, category=category("labour"), title="招聘焊工", description="缺焊工")
    assert suggest_lead(followed).department == hr_bureau
    issue_services.request_dispatch(req_id=followed.pk, actor=bob, lead=hr_bureau)
    ignored = make_request(acme, alice, category=category("labour"), title="招聘焊工二", description="缺焊工")
    issue_services.request_dispatch(req_id=ignored.pk, actor=bob, lead=housing_bureau)
    rows = {s.request_id: s for s in DispatchSuggestion.objects.all()}
    assert rows[followed.pk].suggested == hr_bureau and rows[followed.pk].followed
    assert rows[ignored.pk].suggested == hr_bureau and not rows[ignored.pk].followed
    figure = hit_rate(DispatchSuggestion.objects.filter(request__in=[followed, ignored]))
    assert figure == {"n": 2, "hits": 1, "rate": 50.0}


def test_the_dispatch_hint_names_the_department_and_the_past_satisfaction(client, history, alice, acme, bob):
    issue_services.request_evaluate(req_id=history["welders"].pk, actor=alice, verdict=Verdict.SATISFIED)
    req = make_request(acme, alice, category=category("labour"), title="招聘焊工", description="缺焊工")
    client.force_login(bob)
    page = client.get(reverse("knowledge:dispatch_hint", args=[req.pk]), headers={"HX-Request": "true"})
    text = page.content.decode()
    assert "市人社局" in text and "急需招聘30名熟练焊工" in text


# ---------------------------------------------------------------------------------------------
# answers citing an entry, and the dashboard


def test_an_answer_may_cite_an_entry_and_the_dashboard_counts_it(
    client, entries, acme, alice, bob, carol, hr_bureau, dave
):
    req = make_request(acme, alice)
    issue_services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau)
    client.force_login(carol)
    task = lead_dispatch(fresh(req))
    response = client.post(
        reverse("issues:dispatch_answer", args=[task.pk]),
        {"version": task.version, "outcome": Outcome.RESOLVED, "body": "见稳岗返还指南。", "cited": entries[0].pk},
    )
    assert response.status_code == 302
    assert Citation.objects.get().entry == entries[0]
    issue_services.request_evaluate(req_id=req.pk, actor=alice, verdict=Verdict.SATISFIED)
    Deflection.objects.create(entry=entries[0], user=alice, enterprise=acme)
    client.force_login(dave)
    figures = {f["entry"].pk: f for f in client.get(reverse("knowledge:dashboard")).context["figures"]}
    assert figures[entries[0].pk] | {"entry": None} == {
        "entry": None,
        "cited": 1,
        "closed": 1,
        "satisfied": 1,
        "rated": 1,
        "satisfaction": 100.0,
        "deflected": 1,
    }


def test_citing_a_retired_entry_refuses_the_answer(entries, acme, alice, bob, carol, hr_bureau, dave):
    from issues.errors import TransitionError

    req = make_request(acme, alice)
    issue_services.request_dispatch(req_id=req.pk, actor=bob, lead=hr_bureau)
    services.entry_retire(actor=dave, entry_id=entries[0].pk)
    with pytest.raises(TransitionError):
        issue_services.dispatch_answer(
            dispatch_id=lead_dispatch(fresh(req)).pk,
            actor=carol,
            outcome=Outcome.RESOLVED,
            body="见指南",
            cited=entries[0].pk,
        )
    assert not Citation.objects.exists() and fresh(req).status == "in_progress"


# ---------------------------------------------------------------------------------------------
# policies for you


def published_policy(author, region, title, body, **tags):
    """A policy note published by ``author`` for ``region``, with ``tags`` (industry, size)."""
    return services.entry_create(
        actor=author, publish=True, kind=Kind.POLICY, title=title, body=body, region=region, **tags
    )


@pytest.fixture
def manufacturers(kuiwen, fangzi):
    ours = f.EnterpriseFactory(
        name="奎文精密制造", region=kuiwen, industry=Industry.MANUFACTURING, size=EnterpriseSize.SMALL
    )
    other = f.EnterpriseFactory(
        name="坊子制造", region=fangzi, industry=Industry.MANUFACTURING, size=EnterpriseSize.SMALL
    )
    shop = f.EnterpriseFactory(name="奎文商店", region=kuiwen, industry=Industry.TRADE, size=EnterpriseSize.SMALL)
    members = {}
    for i, enterprise in enumerate([ours, other, shop]):
        user = f.UserFactory(username=f"member{i}", is_enterprise_user=True)
        f.member(user, enterprise)
        members[enterprise.pk] = user
    return ours, other, shop, members


def test_a_published_policy_tells_each_matching_enterprise_once(
    manufacturers, dora, kuiwen, django_capture_on_commit_callbacks
):
    ours, other, shop, members = manufacturers
    with django_capture_on_commit_callbacks(execute=True):
        policy = published_policy(
            dora,
            kuiwen,
            "制造业技改补贴",
            "小微制造企业技改投入给予补贴。",
            industry=Industry.MANUFACTURING,
            size=EnterpriseSize.SMALL,
        )
    assert set(PolicyNotice.objects.values_list("enterprise_id", flat=True)) == {ours.pk}
    assert notices.policy_notify(entry_id=policy.pk) == 0  # the task running again tells nobody again
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_retire(actor=dora, entry_id=policy.pk)
        services.entry_publish(actor=dora, entry_id=policy.pk)
    assert Notification.objects.filter(kind="policy_published").count() == 1
    assert Notification.objects.get(kind="policy_published").user == members[ours.pk]


def test_a_policy_is_told_in_batches_each_enterprise_once_at_a_fixed_number_of_queries(
    kuiwen, dora, monkeypatch, django_assert_max_num_queries
):
    """Notices are claimed a batch at a time (locked, stamped, their members read in one query): twelve
    enterprises in batches of five are each told once, in as many queries as a handful of them would take
    per batch, and the enterprises without members are stamped too."""
    monkeypatch.setattr(notices, "NOTICE_BATCH", 5)
    enterprises = [f.EnterpriseFactory(name=f"奎文商贸{i}", region=kuiwen, industry=Industry.TRADE) for i in range(12)]
    for i, enterprise in enumerate(enterprises[:9]):
        f.member(f.UserFactory(username=f"trader{i}", phone=f"1370000{i:04d}", is_enterprise_user=True), enterprise)
    policy = published_policy(dora, kuiwen, "商贸补贴", "补贴。", industry=Industry.TRADE)
    # per batch: the locked notices, their stamp, the members; per enterprise with members, its notification
    with django_assert_max_num_queries(6 + 3 * 4 + 9 * 5):
        assert notices.policy_notify(entry_id=policy.pk) == 12
    told = Notification.objects.filter(kind="policy_published")
    assert sorted(told.values_list("user__username", flat=True)) == sorted(f"trader{i}" for i in range(9))
    assert not PolicyNotice.objects.filter(sent_at__isnull=True).exists()
    assert notices.policy_notify(entry_id=policy.pk) == 0 and told.count() == 9


def test_the_enterprise_home_lists_the_policies_that_match_it(client, manufacturers, dora, kuiwen):
    ours, other, shop, members = manufacturers
    published_policy(dora, kuiwen, "制造业技改补贴", "补贴。", industry=Industry.MANUFACTURING)
    client.force_login(members[ours.pk])
    assert "制造业技改补贴" in client.get(reverse("knowledge:for_me")).content.decode()
    assert "knowledge/for-me/" in client.get(reverse("issues:my_requests")).content.decode()
    client.force_login(members[shop.pk])
    assert "制造业技改补贴" not in client.get(reverse("knowledge:for_me")).content.decode()


def test_the_sweep_tells_an_enterprise_that_joined_after_the_policy(manufacturers, dora, kuiwen):
    ours, other, shop, members = manufacturers
    policy = published_policy(dora, kuiwen, "商贸补贴", "补贴。", industry=Industry.TRADE)
    notices.policy_notify(entry_id=policy.pk)
    newcomer = f.EnterpriseFactory(name="奎文新商店", region=kuiwen, industry=Industry.TRADE)
    assert notices.policy_sweep() == 1
    assert notices.policy_sweep() == 0
    assert set(PolicyNotice.objects.values_list("enterprise_id", flat=True)) == {shop.pk, newcomer.pk}


def test_the_replayed_hit_rate_counts_the_suggestions_that_match_the_choice(
    history, acme, alice, bob, hr_bureau, housing_bureau
):
    """Two welder requests went to the HR bureau (the suggestion from the earlier one matches), a third
    welder request went to housing (the suggestion misses): 1 of 2 replayed, as the figure shows."""
    first = make_request(acme, alice, category=category("labour"), title="招聘焊工", description="缺焊工")
    issue_services.request_dispatch(req_id=first.pk, actor=bob, lead=hr_bureau)
    second = make_request(acme, alice, category=category("labour"), title="招聘焊工三", description="缺焊工")
    issue_services.request_dispatch(req_id=second.pk, actor=bob, lead=housing_bureau)
    replayed = hit_rate_backtest([fresh(first), fresh(second)])
    assert replayed == {"n": 2, "hits": 1, "rate": 50.0}


def test_the_admin_lists_entries_and_the_records(client, admin_user, entries):
    client.force_login(admin_user)
    for model in ("entry", "deflection", "dispatchsuggestion", "citation", "policynotice"):
        assert client.get(reverse(f"admin:knowledge_{model}_changelist")).status_code == 200
