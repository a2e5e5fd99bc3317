import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from api.models import UnmatchedWorkOrder
from issues.models import Request, Source
from portal.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db
HEADERS = [
    "工单编号",
    "受理时间",
    "渠道",
    "来电人",
    "联系电话",
    "统一社会信用代码",
    "企业名称",
    "服务代码",
    "标题",
    "诉求内容",
]


def csv_file(rows) -> io.BytesIO:
    lines = [",".join(HEADERS)] + [",".join(r) for r in rows]
    upload = io.BytesIO("\n".join(lines).encode("utf-8-sig"))
    upload.name = "hotline-20261201.csv"
    return upload


def test_a_csv_export_is_checked_then_filed_once(client, admin_user, hotline, acme):
    url = reverse("admin:api_client_import", args=[hotline.pk])
    client.force_login(admin_user)
    rows = [
        [
            "GD-B-1",
            (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
            "电话",
            "李四",
            "13900001111",
            acme.credit_code,
            "",
            "finance",
            "贷款难",
            "贷款审批慢",
        ],
        ["GD-B-2", "", "微信", "", "", "", "某新办企业", "other", "用电", "报装慢"],
    ]
    dry = client.post(url, {"step": "upload", "file": csv_file(rows)})
    assert dry.status_code == 200 and [r.action for r in dry.context["preview"].rows] == ["new", "unmatched"]
    assert Request.objects.count() == 0  # the dry run writes nothing
    token = dry.context["token"]
    done = client.post(url, {"step": "confirm", "token": token})
    assert done.status_code == 302
    req = Request.objects.get()
    assert (req.work_order_number, req.source, req.channel, req.enterprise) == ("GD-B-1", Source.HOTLINE, "phone", acme)
    assert UnmatchedWorkOrder.objects.get().work_order_number == "GD-B-2"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, actor=admin_user).exists()

    again = client.post(url, {"step": "upload", "file": csv_file(rows)})
    client.post(url, {"step": "confirm", "token": again.context["token"]})
    assert Request.objects.count() == 1 and UnmatchedWorkOrder.objects.count() == 1  # imported twice, filed once


def test_a_file_with_a_bad_row_is_not_imported(client, admin_user, hotline, acme, globex):
    url = reverse("admin:api_client_import", args=[hotline.pk])
    client.force_login(admin_user)
    rows = [
        ["GD-B-1", "", "电话", "", "", acme.credit_code, "", "finance", "贷款难", "贷款审批慢"],
        ["GD-B-3", "", "电话", "", "", globex.credit_code, "", "finance", "t", "d"],  # another district
        ["GD-B-4", "", "电话", "", "", acme.credit_code, "", "nosuch", "", "d"],
    ]
    dry = client.post(url, {"step": "upload", "file": csv_file(rows)})
    errors = {e.row_number: e.reasons for e in dry.context["preview"].errors}
    assert set(errors) == {3, 4}
    assert "token" not in dry.context and Request.objects.count() == 0


def test_a_workbook_goes_through_the_hardened_checks(client, admin_user, hotline, acme):
    book = Workbook()
    book.active.append(HEADERS)
    book.active.append(["GD-X-1", "", "电话", "", "", acme.credit_code, "", "finance", "贷款难", "贷款审批慢"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "hotline.xlsx"
    client.force_login(admin_user)
    url = reverse("admin:api_client_import", args=[hotline.pk])
    dry = client.post(url, {"step": "upload", "file": data})
    assert dry.context["preview"].is_valid
    fake = io.BytesIO(b"not a workbook")
    fake.name = "hotline.xlsx"
    refused = client.post(url, {"step": "upload", "file": fake})
    assert "文件不是 Excel 工作簿" in refused.content.decode()


def test_the_client_page_links_to_the_import_and_others_are_refused(client, admin_user, hotline, alice):
    client.force_login(admin_user)
    page = client.get(reverse("admin:api_client_change", args=[hotline.pk]))
    assert reverse("admin:api_client_import", args=[hotline.pk]) in page.content.decode()
    client.force_login(alice)
    assert client.get(reverse("admin:api_client_import", args=[hotline.pk])).status_code == 302  # admin login
