import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from portal.accounts.models import AuditEvent
from portal.orgs import importing
from portal.orgs.factories import make_credit_code
from portal.orgs.models import Enterprise, EnterpriseSize, Industry, Pairing
from portal.orgs.tests.helpers import row, xlsx_bytes
from portal.orgs.validators import validate_credit_code

IMPORT_URL = "/admin/orgs/enterprise/import/"
CODE_1 = make_credit_code(1, "370705")
CODE_2 = make_credit_code(2, "370704")
CODE_3 = make_credit_code(3, "370705")


@pytest.fixture
def people(bob, bert, carl, alice):
    return {"bob": bob, "bert": bert, "carl": carl, "alice": alice}


def good_file():
    return xlsx_bytes(
        [
            row("潍坊一号机械有限公司", CODE_1, "370705", "制造业", "小型", primary="bob", backup="13900000003"),
            row("坊子二号食品有限公司", CODE_2, "370704", "trade", "Medium", primary="carl"),
        ]
    )


def counts():
    return Enterprise.objects.count(), Pairing.objects.count(), AuditEvent.objects.count()


def _named(data, name):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_it_parses_a_good_file_without_writing(people, kuiwen, fangzi):
    before = counts()
    preview = importing.parse_workbook(good_file())
    assert preview.is_valid
    assert [r.row_number for r in preview.rows] == [2, 3]
    first, second = preview.rows
    assert (first.region, first.industry, first.size) == (kuiwen, Industry.MANUFACTURING, EnterpriseSize.SMALL)
    assert (first.primary, first.backup) == (people["bob"], people["bert"])
    assert (second.industry, second.size, second.primary, second.backup) == (
        Industry.TRADE,
        EnterpriseSize.MEDIUM,
        people["carl"],
        None,
    )
    assert counts() == before


def test_it_reports_every_bad_row_with_its_number_and_reason(people, kuiwen, fangzi):
    wrong_check = CODE_3[:17] + ("0" if CODE_3[-1] != "0" else "1")
    data = xlsx_bytes(
        [
            row("好企业", CODE_1, primary="bob"),
            row("校验位错误", wrong_check),
            row("区划不存在", CODE_2, region="999999"),
            row("行业不认识", make_credit_code(4), industry="航天"),
            row("规模不认识", make_credit_code(5), size="巨型"),
            row("专员不存在", make_credit_code(6), primary="nobody"),
            row("不是专员", make_credit_code(7), primary="alice"),
            row("重复代码", CODE_1, primary="bob"),
            row("", make_credit_code(8)),
            row("同一人", make_credit_code(9), primary="bob", backup="bob"),
        ]
    )
    preview = importing.parse_workbook(data)
    assert not preview.is_valid
    reasons = {error.row_number: " ".join(error.reasons) for error in preview.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(wrong_check)
    assert caught.value.messages[0] in reasons[3]
    assert "区划代码 999999 不存在" in reasons[4]
    assert "行业“航天”无法识别" in reasons[5]
    assert "规模“巨型”无法识别" in reasons[6]
    assert "“nobody”不存在" in reasons[7]
    assert "没有服务专员角色" in reasons[8]
    assert "与第 2 行重复" in reasons[9]
    assert "“企业名称”不能为空" in reasons[10]
    assert "同一名专员" in reasons[11]


def test_it_accepts_headers_in_any_order_and_full_width_brackets(people, kuiwen):
    headers = [h.replace("(", "（").replace(")", "）") for h in reversed(importing.HEADERS)]
    data = xlsx_bytes([list(reversed(row("企业", CODE_1, primary="bob")))], headers=headers)
    preview = importing.parse_workbook(data)
    assert preview.is_valid and preview.rows[0].primary == people["bob"]


def test_it_reads_numeric_cells_as_codes_and_phones(people, kuiwen):
    data = xlsx_bytes([row("企业", CODE_1, region=370705, primary=13900000002, phone=13800000000)])
    preview = importing.parse_workbook(data)
    assert preview.is_valid
    assert preview.rows[0].primary == people["bob"]
    assert preview.rows[0].contact_phone == "13800000000"


def test_it_names_missing_headers(kuiwen):
    with pytest.raises(importing.ImportFileError, match="统一社会信用代码"):
        importing.parse_workbook(xlsx_bytes([["企业"]], headers=["企业名称"]))


def test_it_rejects_files_that_are_not_xlsx():
    with pytest.raises(importing.ImportFileError, match="不是 Excel"):
        importing.check_upload("企业名称,统一社会信用代码\n".encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(importing.ImportFileError, match="不是 Excel"):
        importing.check_upload(buffer.getvalue())


def test_it_rejects_files_over_five_megabytes():
    with pytest.raises(importing.ImportFileError, match="5 MB"):
        importing.check_upload(b"PK" + b"0" * importing.MAX_UPLOAD_BYTES)


def test_it_caps_the_number_of_rows(kuiwen, settings):
    settings.IMPORT_MAX_ROWS = 3
    data = xlsx_bytes([row(f"企业{n}", make_credit_code(n)) for n in range(4)])
    with pytest.raises(importing.ImportFileError, match="最多导入 3 行"):
        importing.parse_workbook(data)


def test_it_imports_and_pairs_and_audits(people, kuiwen, fangzi, admin_user):
    summary = importing.import_apply(
        preview=importing.parse_workbook(good_file()), actor=admin_user, file_name="a.xlsx"
    )
    assert (summary.created, summary.updated, summary.pairings_created) == (2, 0, 3)
    one = Enterprise.objects.get(credit_code=CODE_1)
    assert one.region == kuiwen and one.industry == Industry.MANUFACTURING
    assert {(p.role, p.commissioner.username) for p in Pairing.objects.active().filter(enterprise=one)} == {
        ("A", "bob"),
        ("B", "bert"),
    }
    assert AuditEvent.objects.filter(action="import", actor=admin_user).count() == 1
    assert AuditEvent.objects.filter(action="pairing_change", actor=admin_user).count() == 3


def test_it_updates_by_credit_code_and_swaps_pairings(people, acme, admin_user):
    # acme already has bob as A and bert as B (since 2020): swap them and rename.
    data = xlsx_bytes([row("阿克米新名称", acme.credit_code, primary="bert", backup="bob")])
    summary = importing.import_apply(preview=importing.parse_workbook(data), actor=admin_user)
    acme.refresh_from_db()
    assert acme.name == "阿克米新名称"
    assert (summary.created, summary.updated, summary.pairings_created, summary.pairings_ended) == (0, 1, 2, 2)
    active = {(p.role, p.commissioner.username) for p in Pairing.objects.active().filter(enterprise=acme)}
    assert active == {("A", "bert"), ("B", "bob")}
    assert Pairing.objects.filter(enterprise=acme, ends_on__isnull=False).count() == 2  # history kept
    changes = AuditEvent.objects.filter(action="pairing_change", actor=admin_user)
    assert changes.count() == 4
    ended = [e for e in changes if e.detail["before"] and e.detail["after"]]
    assert all(e.detail["after"]["ends_on"] for e in ended)


def test_it_leaves_pairings_alone_when_already_in_place(people, acme, admin_user):
    data = xlsx_bytes([row(acme.name, acme.credit_code, primary="bob", backup="")])
    summary = importing.import_apply(preview=importing.parse_workbook(data), actor=admin_user)
    assert (summary.pairings_created, summary.pairings_ended) == (0, 0)
    assert not AuditEvent.objects.filter(action="pairing_change", actor=admin_user).exists()


def test_it_refuses_to_apply_a_preview_with_bad_rows(people, kuiwen, admin_user):
    preview = importing.parse_workbook(xlsx_bytes([row("企业", CODE_1, region="000000")]))
    with pytest.raises(ValueError):
        importing.import_apply(preview=preview, actor=admin_user)


def test_it_offers_a_template_with_the_headers(admin_client):
    response = admin_client.get(reverse("admin:orgs_enterprise_import_template"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == importing.HEADERS


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_it_links_the_import_from_the_enterprise_list(admin_client):
    response = admin_client.get("/admin/orgs/enterprise/")
    assert IMPORT_URL.encode() in response.content


def test_it_imports_a_good_file_through_the_admin_in_two_steps(admin_client, people, kuiwen, fangzi):
    before = counts()
    response = admin_client.post(IMPORT_URL, {"step": "upload", "file": _named(good_file(), "good.xlsx")})
    assert response.status_code == 200
    token = response.context["token"]
    assert b'name="step" value="confirm"' in response.content
    assert counts() == before  # the dry run writes nothing

    response = admin_client.post(IMPORT_URL, {"step": "confirm", "token": token})
    assert response.status_code == 302
    assert Enterprise.objects.filter(credit_code__in=[CODE_1, CODE_2]).count() == 2
    assert Pairing.objects.count() == before[1] + 3
    event = AuditEvent.objects.get(action="import")
    assert event.ip_address == "127.0.0.1" and event.detail["created"] == 2

    # The kept file is used once.
    response = admin_client.post(IMPORT_URL, {"step": "confirm", "token": token})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_it_lists_bad_rows_in_the_admin_and_changes_nothing(admin_client, people, kuiwen, acme):
    data = xlsx_bytes(
        [
            row("新名称", acme.credit_code, primary="bert"),
            row("坏企业", "91370705MA3C8X2Y3Z"),
            row("专员不存在", CODE_2, primary="ghost"),
        ]
    )
    before = counts()
    response = admin_client.post(IMPORT_URL, {"step": "upload", "file": _named(data, "bad.xlsx")})
    assert response.status_code == 200
    assert b'value="confirm"' not in response.content
    errors = response.context["preview"].errors
    assert [e.row_number for e in errors] == [3, 4]
    assert "“ghost”不存在" in response.content.decode()
    assert counts() == before
    acme.refresh_from_db()
    assert acme.name != "新名称"


def test_it_rejects_a_forged_or_foreign_token(admin_client, people, kuiwen):
    before = counts()
    admin_client.post(IMPORT_URL, {"step": "upload", "file": _named(good_file(), "good.xlsx")})
    response = admin_client.post(IMPORT_URL, {"step": "confirm", "token": "someone-elses-token"})
    assert response.status_code == 302
    assert counts() == before


def test_it_rejects_a_non_xlsx_upload_in_the_admin(admin_client, kuiwen):
    before = counts()
    response = admin_client.post(IMPORT_URL, {"step": "upload", "file": _named(b"name,code\n", "fake.xlsx")})
    assert response.status_code == 200
    assert "不是 Excel 工作簿" in response.content.decode()
    assert "token" not in response.context or not response.context.get("token")
    assert counts() == before


def test_it_revalidates_on_confirm(admin_client, people, kuiwen, fangzi):
    response = admin_client.post(IMPORT_URL, {"step": "upload", "file": _named(good_file(), "good.xlsx")})
    token = response.context["token"]
    people["carl"].is_commissioner = False
    people["carl"].save(update_fields=["is_commissioner"])
    before = counts()
    response = admin_client.post(IMPORT_URL, {"step": "confirm", "token": token})
    assert response.status_code == 200
    assert [e.row_number for e in response.context["preview"].errors] == [3]
    assert counts() == before
