"""What administrators met in the Chinese admin (docs/admin.md): regions, the audit log, the lockout
section, the header, the enterprise import and the holiday banner."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from issues.models import HolidayOverride
from issues.selectors import calendar_missing_marks
from portal.accounts.admin import AuditEventAdmin
from portal.accounts.models import AuditEvent
from portal.orgs import importing
from portal.orgs.factories import make_credit_code
from portal.orgs.models import Region
from portal.orgs.tests.helpers import row, xlsx_bytes
from supervision import services as supervision_services

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_a_district_cannot_be_saved_without_a_parent(client, admin_user):
    with pytest.raises(ValidationError) as error:
        Region(code="370799", name="新区", level=Region.Level.DISTRICT).full_clean()
    assert "parent" in error.value.message_dict
    client.force_login(admin_user)
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        "/admin/orgs/region/add/", {"code": "370799", "name": "新区", "level": "district", "sort_order": 0}
    )
    assert response.status_code == 200 and not Region.objects.filter(code="370799").exists()
    assert "请选择该" in response.content.decode()


def test_a_town_must_sit_under_a_district(city):
    with pytest.raises(ValidationError, match="parent"):
        Region(code="370700001", name="街道", level=Region.Level.TOWN, parent=city).full_clean()


def test_the_audit_log_names_objects_in_the_readers_language(dave, city):
    token = supervision_services.token_create(actor=dave, region=city, label="指挥中心")
    event = AuditEvent.objects.get(target=f"big screen link {token.pk}")
    assert event.action == AuditEvent.Action.ACCESS_CHANGE  # not "other"
    legacy = AuditEvent.objects.create(action=AuditEvent.Action.EXTENSION, target="request 2401")
    admin_view = AuditEventAdmin(AuditEvent, None)
    with translation.override("zh-hans"):
        assert admin_view.target_summary(event) == f"大屏链接 {token.pk}"
        assert admin_view.target_summary(legacy) == "诉求 2401"
    with translation.override("en"):
        assert admin_view.target_summary(event) == f"big-screen link {token.pk}"


def test_the_admin_says_the_portals_name_and_translates_the_lockouts(client, admin_user):
    client.force_login(admin_user)
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/admin/").content.decode()
    assert "企业服务平台管理" in page and "Django 管理" not in page
    assert "登录锁定" in page and "登录尝试" in page and "Access attempts" not in page


def test_the_import_rejects_a_service_number_as_a_phone(kuiwen):
    preview = importing.parse_workbook(xlsx_bytes([row("潍坊甲公司", make_credit_code(1), phone="12345")]))
    assert preview.errors and "12345 不是有效的电话号码" in " ".join(preview.errors[0].reasons)
    good = importing.parse_workbook(xlsx_bytes([row("潍坊乙公司", make_credit_code(2), phone="0536-8888888")]))
    assert not good.errors


def test_the_import_counts_read_with_chinese_punctuation(client, admin_user, kuiwen):
    client.force_login(admin_user)
    client.cookies["django_language"] = "zh-hans"
    upload = xlsx_bytes([row("潍坊甲公司", make_credit_code(3))])

    page = client.post(
        "/admin/orgs/enterprise/import/", {"file": SimpleUploadedFile("企业.xlsx", upload)}
    ).content.decode()
    assert "有效1行，有错误0行；新增企业1家，更新0家。" in page


def test_the_holiday_banner_lists_what_it_still_waits_for():
    HolidayOverride.objects.create(date=date(2099, 1, 1), is_working_day=False, note="元旦")
    HolidayOverride.objects.create(date=date(2099, 2, 1), is_working_day=False, note="春节")
    assert calendar_missing_marks([2099]) == {2099: [date(2099, 10, 1)]}


def test_the_banner_names_the_missing_days(client, admin_user, monkeypatch):
    monkeypatch.setattr("issues.context_processors.calendar_missing_years", lambda today: [2099])
    client.force_login(admin_user)
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/admin/").content.decode()
    assert "仍待录入：2099-01-01（元旦）、2099-10-01（国庆节）。" in page
