"""The daily batch path: a hotline's export of its work orders (.xlsx or .csv) imported by an administrator,
for cities whose hotline cannot call the API yet.

Like the enterprise import (portal/orgs/importing.py, whose hardened workbook checks it reuses): a dry run
reads and validates every row without writing anything; confirming files each row through the same
service as the API (``work_order_receive``), so a row already filed is left alone and the file may be
imported again safely. A file with any bad row is never applied."""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from issues.models import Category, Request, Source
from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent
from portal.orgs import importing
from portal.orgs.importing import ImportFileError
from portal.orgs.models import Enterprise, Region

from .serializers import WorkOrderIn
from .services import scope_of, work_order_receive

# header → field of the API's work order
COLUMNS = {
    "工单编号": "work_order_number",
    "受理时间": "received_at",
    "渠道": "channel",
    "来电人": "caller_name",
    "联系电话": "caller_mobile",
    "统一社会信用代码": "credit_code",
    "企业名称": "enterprise_name",
    "区域代码": "region_code",
    "服务代码": "service_code",
    "标题": "title",
    "诉求内容": "description",
}
REQUIRED = ["工单编号", "服务代码", "标题", "诉求内容"]
CHANNELS = {
    "电话": "phone",
    "网站": "web",
    "网页": "web",
    "APP": "app",
    "App": "app",
    "微信": "wechat",
    "其他": "other",
}


@dataclass
class BatchRow:
    row_number: int
    data: dict
    action: str = ""  # "new", "filed" (already filed), "unmatched" (waits for a commissioner)


@dataclass
class BatchError:
    row_number: int
    reasons: list[str]


@dataclass
class BatchPreview:
    rows: list[BatchRow] = field(default_factory=list)
    errors: list[BatchError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.errors


def _read_csv(data: bytes) -> tuple[list[str], list[tuple[int, list]]]:
    if len(data) > importing.MAX_UPLOAD_BYTES:
        raise ImportFileError("文件超过 5 MB，请拆分后分批导入。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别 CSV 文件的编码，请另存为 UTF-8 编码的 CSV 或 .xlsx 后重新上传。")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ImportFileError("工作表是空的：第 1 行应为表头。")
    body = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(body) >= importing.max_rows():
            raise ImportFileError(f"一次最多导入 {importing.max_rows()} 行，请拆分文件后分批导入。")
        body.append((number, values))
    return [importing._normalise_header(h) for h in header], body


def read_rows(data: bytes, name: str) -> tuple[list[str], list[tuple[int, list]]]:
    if name.lower().endswith(".csv"):
        return _read_csv(data)
    importing.check_upload(data)  # size, zip bombs, row and string counts, before openpyxl parses it
    return importing._read_sheet(data)


def parse_batch(data: bytes, name: str, *, client) -> BatchPreview:
    """The dry run: every row validated as the API validates a work order, nothing written."""
    headers, body = read_rows(data, name)
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        raise ImportFileError("缺少必填列：" + "、".join(missing) + "。请使用模板中的表头。")
    index = {h: i for i, h in enumerate(headers) if h in COLUMNS}
    scope = scope_of(client)
    services = set(Category.objects.filter(is_active=True).values_list("code", flat=True))
    scope_regions = list(client.regions.all()[:2])
    region_codes = set(Region.objects.filter(pk__in=scope.region_ids).values_list("code", flat=True))
    preview, seen = BatchPreview(), set()
    for number, values in body:
        raw = {COLUMNS[h]: importing._cell_text(values[i]) if i < len(values) else "" for h, i in index.items()}
        raw = {k: v for k, v in raw.items() if v != ""}
        if "channel" in raw:
            raw["channel"] = CHANNELS.get(raw["channel"], raw["channel"])
        checked = WorkOrderIn(data=raw)
        if not checked.is_valid():
            reasons = [
                f"{field_name}: {message}"
                for field_name, messages in checked.errors.items()
                for message in (messages if isinstance(messages, list) else [messages])
            ]
            preview.errors.append(BatchError(number, reasons))
            continue
        data_ = checked.validated_data
        data_.pop("attachments", None)
        work_order = data_["work_order_number"]
        if work_order in seen:
            preview.errors.append(BatchError(number, [_("This work-order number appears twice in the file.")]))
            continue
        seen.add(work_order)
        reasons = []
        if data_["service_code"] not in services:
            reasons.append(_("Unknown service code; see the service list."))
        code = (data_.get("credit_code") or "").upper()
        region_id = (
            Enterprise.objects.filter(credit_code=code).values_list("region_id", flat=True).first() if code else None
        )
        if region_id is not None and region_id not in scope.region_ids:
            reasons.append(_("This enterprise is outside the regions the hotline serves."))
        if region_id is None and not data_.get("region_code") and len(scope_regions) != 1:
            reasons.append(_("Give the region code: the enterprise could not be found by its credit code."))
        if data_.get("region_code") and data_["region_code"] not in region_codes:
            reasons.append(_("Unknown region code, or a region this client does not serve."))
        if reasons:
            preview.errors.append(BatchError(number, reasons))
            continue
        if Request.objects.filter(source=Source.HOTLINE, work_order_number=work_order).exists():
            action = "filed"
        else:
            action = "new" if region_id is not None else "unmatched"
        preview.rows.append(BatchRow(number, data_, action))
    return preview


@transaction.atomic
def batch_apply(*, preview: BatchPreview, client, actor=None, request=None, file_name: str = "") -> dict[str, int]:
    """File every row through the API's service; returns how many were filed, already there, unmatched."""
    service = client.user
    service.api_scope, service.api_client = scope_of(client), client
    counts = {"filed": 0, "existing": 0, "unmatched": 0}
    for row in preview.rows:
        received = work_order_receive(client=client, actor=service, data=dict(row.data))
        if received.req is None:
            counts["unmatched"] += 1
        elif received.created:
            counts["filed"] += 1
        else:
            counts["existing"] += 1
    audit_record(
        action=AuditEvent.Action.IMPORT,
        actor=actor,
        request=request,
        target=f"hotline work orders for {client}: {file_name}"[:200],
        detail=counts,
    )
    return counts
