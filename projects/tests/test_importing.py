"""Excel import of key projects: the dry run writes nothing, bad rows say why in Chinese, a file with any
bad row saves nothing, and a clean file is applied through the admin in two steps."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.accounts.models import AuditEvent
from portal.orgs.tests.helpers import xlsx_bytes
from projects import importing
from projects.models import Leader, Project, ProjectPairing, StageChange

IMPORT_URL = "/admin/projects/project/import/"


def row(name, region="370705", enterprise="", industry="", level="市重点", stage="开工", total="50000", **kw):
    values = {
        importing.COL_NAME: name,
        importing.COL_REGION: region,
        importing.COL_ENTERPRISE: enterprise,
        importing.COL_INDUSTRY: industry,
        importing.COL_LEVEL: level,
        importing.COL_STAGE: stage,
        importing.COL_TOTAL: total,
        importing.COL_PLANNED: kw.get("planned", "12000"),
        importing.COL_COMPLETED: kw.get("completed", "3000"),
        importing.COL_ADDRESS: kw.get("address", "胜利东街1号"),
        importing.COL_LEADER: kw.get("leader", "王建国"),
        importing.COL_TITLE: kw.get("title", "副区长"),
        importing.COL_PRIMARY: kw.get("primary", ""),
        importing.COL_BACKUP: kw.get("backup", ""),
    }
    return [values[h] for h in importing.HEADERS]


def _file(rows) -> bytes:
    return xlsx_bytes(rows, headers=importing.HEADERS)


def counts():
    return Project.objects.count(), ProjectPairing.objects.count(), StageChange.objects.count(), Leader.objects.count()


def _named(data, name="projects.xlsx"):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_it_parses_a_good_file_without_writing(kuiwen, fangzi, acme, bob, carl):
    before = counts()
    preview = importing.parse_workbook(
        _file(
            [
                row("高端装备产业园", enterprise=acme.credit_code, primary="bob"),
                row("坊子食品项目", region="370704", level="县重点", stage="签约", industry="制造业", primary="carl"),
            ]
        )
    )
    assert preview.is_valid and preview.new_count == 2
    first, second = preview.rows
    assert (first.region, first.enterprise, first.industry, first.level, first.stage) == (
        kuiwen,
        acme,
        acme.industry,
        "city",
        "started",
    )
    assert (first.total, first.primary) == (Decimal("50000.00"), bob)
    assert (second.region, second.level, second.stage, second.industry) == (fangzi, "county", "signed", "manufacturing")
    assert counts() == before


def test_it_gives_each_bad_row_its_reasons_in_chinese(kuiwen, acme, alice):
    Project.objects.create(name="已有项目", region=kuiwen, stage="approved")
    preview = importing.parse_workbook(
        _file(
            [
                row("负数项目", total="-5"),
                row("超额项目", total="100", completed="200"),
                row("无名区划", region="999999"),
                row("未知级别", level="国家级", stage="规划"),
                row("无企业", enterprise="91370705MA3C8X2Y3Z"),
                row("已有项目", stage="开工"),
                row("重复项目"),
                row("重复项目"),
                row("非专员", primary="alice"),
                row("", total=""),
                row("金额有误", planned="十万"),
            ]
        )
    )
    assert not preview.is_valid
    reasons = {error.row_number: " ".join(error.reasons) for error in preview.errors}
    assert "不能为负数" in reasons[2]
    assert "超过总投资" in reasons[3]
    assert "区划代码 999999 不存在" in reasons[4]
    assert "项目级别“国家级”无法识别" in reasons[5] and "项目阶段“规划”无法识别" in reasons[5]
    assert "业主企业" in reasons[6] and "不存在" in reasons[6]
    assert "阶段变更请在项目页面办理" in reasons[7]
    assert "与第 8 行重复" in reasons[9]
    assert "没有服务专员角色" in reasons[10]
    assert "“项目名称”不能为空" in reasons[11] and "“总投资(万元)”不能为空" in reasons[11]
    assert "应为数字" in reasons[12]
    assert 8 not in reasons  # the first of the duplicates is fine on its own


def test_it_refuses_a_file_that_is_not_a_workbook():
    with pytest.raises(importing.ImportFileError, match="Excel"):
        importing.parse_workbook(b"not a workbook at all")


def test_it_refuses_a_sheet_without_the_headers():
    with pytest.raises(importing.ImportFileError, match="表头缺少"):
        importing.parse_workbook(xlsx_bytes([["x"]], headers=["项目名称"]))


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_it_imports_a_good_file_through_the_admin_in_two_steps(admin_client, kuiwen, acme, bob, bert):
    existing = Project.objects.create(name="已有项目", region=kuiwen, stage="started", total_investment=10)
    data = _file([row("新项目", primary="bob", backup="bert"), row("已有项目", total="80000", planned="20000")])
    before = counts()
    response = admin_client.post(IMPORT_URL, {"step": "upload", "file": _named(data)})
    assert response.status_code == 200
    token = response.context["token"]
    assert response.context["preview"].new_count == 1 and response.context["preview"].update_count == 1
    assert counts() == before  # the dry run writes nothing

    response = admin_client.post(IMPORT_URL, {"step": "confirm", "token": token})
    assert response.status_code == 302
    new = Project.objects.get(name="新项目")
    assert (new.stage, new.level, new.leader.name, new.leader.title) == ("started", "city", "王建国", "副区长")
    assert set(new.pairings.values_list("role", "commissioner__username")) == {("A", "bob"), ("B", "bert")}
    assert new.stage_changes.get().to_stage == "started"
    existing.refresh_from_db()
    assert (existing.stage, existing.total_investment) == ("started", Decimal("80000.00"))
    event = AuditEvent.objects.get(action="import")
    assert event.detail["created"] == 1 and event.detail["updated"] == 1

    response = admin_client.post(IMPORT_URL, {"step": "confirm", "token": token})  # the kept file is used once
    assert response.status_code == 302 and AuditEvent.objects.filter(action="import").count() == 1


def test_a_file_with_a_bad_row_saves_nothing_through_the_admin(admin_client, kuiwen):
    before = counts()
    response = admin_client.post(
        IMPORT_URL, {"step": "upload", "file": _named(_file([row("好项目"), row("坏项目", total="-1")]))}
    )
    assert response.status_code == 200 and "token" not in response.context
    assert "不能为负数" in response.content.decode()
    assert counts() == before


def test_only_administrators_with_the_rights_may_import(client, dave, kuiwen):
    assert client.get(IMPORT_URL).status_code == 302  # to the login
    client.force_login(dave)
    assert client.get(IMPORT_URL).status_code in (302, 403)


def test_it_offers_a_template_and_links_the_import_from_the_project_list(admin_client):
    response = admin_client.get(reverse("admin:projects_project_import_template"))
    assert response.status_code == 200
    assert IMPORT_URL.encode() in admin_client.get("/admin/projects/project/").content
