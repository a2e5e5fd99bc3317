"""Bulk import of enterprises and their A/B commissioner pairings from an .xlsx sheet.

The sheet format is defined by the city's own spreadsheet (Chinese column headers),
so the reasons given for bad rows are written in Chinese as well.

Two steps: ``parse_workbook`` reads and validates every row without touching the
database (the dry run); ``import_apply`` writes a clean result in one transaction.
A file with any bad row is never applied.
"""

from __future__ import annotations

import datetime
import io
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from posixpath import dirname, join, normpath
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.accounts.audit import audit_context, audit_record
from portal.accounts.models import AuditEvent, User

from .models import Enterprise, EnterpriseSize, Industry, Pairing, Region
from .validators import validate_credit_code

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# The compression ratio is only checked for members bigger than this: tiny parts compress well too.
RATIO_CHECKED_FROM = 1024 * 1024
# Every cell of the allowed rows could hold its own text, twice the template's columns.
SHARED_STRINGS_PER_ROW = 20
NOT_XLSX = "文件不是 Excel 工作簿（.xlsx）。请使用“下载模板”中的格式，另存为 .xlsx 后重新上传。"
BROKEN = "文件已损坏，无法读取。请重新保存为 .xlsx 后上传。"
UNREADABLE = "无法读取该 Excel 文件，请确认文件未加密且为 .xlsx 格式。"
TOO_LARGE = (
    "文件解压后过大（{size} MB，上限 {limit} MB），不是正常的导入表格。"
    "请只保留导入所需的数据，另存为 .xlsx 后重新上传。"
)
SUSPICIOUS = "文件压缩比异常，可能是恶意构造的文件，已拒绝。请另存为 .xlsx 后重新上传。"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# A row that holds at least one cell (empty rows Excel keeps for their formatting are not counted),
# and an entry of the shared-strings table.
ROW_WITH_CELLS = re.compile(rb"<(?:\w+:)?row\b[^>]*[^/>]>\s*<(?:\w+:)?c\b")
SHARED_STRING = re.compile(rb"<(?:\w+:)?si\b")
# What openpyxl raises on a workbook whose parts are not the XML they claim to be.
READ_ERRORS = (
    ParseError,
    DefusedXmlException,
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    EOFError,
    OSError,
)


# A mainland mobile number, or a landline with its area code (0536-8888888, 053688888888, with an
# optional extension): a service number such as 12345 is not a way to reach the enterprise.
CONTACT_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


COL_NAME = "企业名称"
COL_CREDIT_CODE = "统一社会信用代码"
COL_REGION = "所属区划代码"
COL_INDUSTRY = "行业"
COL_SIZE = "规模"
COL_ADDRESS = "地址"
COL_CONTACT = "联系人"
COL_PHONE = "联系电话"
COL_PRIMARY = "A角专员(用户名或手机号)"
COL_BACKUP = "B角专员(用户名或手机号)"

HEADERS = [
    COL_NAME,
    COL_CREDIT_CODE,
    COL_REGION,
    COL_INDUSTRY,
    COL_SIZE,
    COL_ADDRESS,
    COL_CONTACT,
    COL_PHONE,
    COL_PRIMARY,
    COL_BACKUP,
]
REQUIRED = [COL_NAME, COL_CREDIT_CODE, COL_REGION, COL_INDUSTRY, COL_SIZE]

# Chinese labels a city spreadsheet uses, besides the codes and the translated choice labels.
INDUSTRY_LABELS = {
    "制造业": Industry.MANUFACTURING,
    "农业": Industry.AGRICULTURE,
    "农林牧渔业": Industry.AGRICULTURE,
    "建筑业": Industry.CONSTRUCTION,
    "能源": Industry.ENERGY,
    "能源和公用事业": Industry.ENERGY,
    "电力、热力、燃气及水生产和供应业": Industry.ENERGY,
    "信息技术": Industry.IT,
    "信息传输、软件和信息技术服务业": Industry.IT,
    "物流": Industry.LOGISTICS,
    "交通运输、仓储和邮政业": Industry.LOGISTICS,
    "批发和零售业": Industry.TRADE,
    "批发零售": Industry.TRADE,
    "住宿和餐饮业": Industry.HOSPITALITY,
    "住宿餐饮": Industry.HOSPITALITY,
    "金融业": Industry.FINANCE,
    "金融": Industry.FINANCE,
    "房地产业": Industry.REAL_ESTATE,
    "房地产": Industry.REAL_ESTATE,
    "商务服务": Industry.SERVICES,
    "租赁和商务服务业": Industry.SERVICES,
    "医药健康": Industry.HEALTH,
    "卫生和社会工作": Industry.HEALTH,
    "文化旅游": Industry.CULTURE,
    "文化、体育和娱乐业": Industry.CULTURE,
    "其他": Industry.OTHER,
}
SIZE_LABELS = {
    "大型": EnterpriseSize.LARGE,
    "大型企业": EnterpriseSize.LARGE,
    "中型": EnterpriseSize.MEDIUM,
    "中型企业": EnterpriseSize.MEDIUM,
    "小型": EnterpriseSize.SMALL,
    "小型企业": EnterpriseSize.SMALL,
    "微型": EnterpriseSize.MICRO,
    "微型企业": EnterpriseSize.MICRO,
}


class ImportFileError(Exception):
    """The upload as a whole cannot be read (wrong type, too big, no header row …)."""


@dataclass
class ImportRow:
    row_number: int
    name: str
    credit_code: str
    region: Region
    industry: str
    size: str
    address: str
    contact_name: str
    contact_phone: str
    primary: User | None
    backup: User | None
    existing: Enterprise | None = None

    @property
    def is_new(self) -> bool:
        return self.existing is None

    @property
    def industry_label(self) -> str:
        return str(Industry(self.industry).label)

    @property
    def size_label(self) -> str:
        return str(EnterpriseSize(self.size).label)


@dataclass
class RowError:
    row_number: int
    reasons: list[str]


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def new_count(self) -> int:
        return sum(1 for row in self.rows if row.is_new)

    @property
    def update_count(self) -> int:
        return len(self.rows) - self.new_count


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    pairings_created: int = 0
    pairings_ended: int = 0


def _normalise_header(value) -> str:
    text = "" if value is None else str(value)
    return text.strip().replace("（", "(").replace("）", ")").replace(" ", "")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def check_upload(data: bytes) -> None:
    """Reject anything that is not an .xlsx workbook within the limits, before openpyxl parses it: the file's
    size, its size once uncompressed (in total and per part, from the zip directory, which also bounds what
    can be decompressed), the compression ratio of each large part, and the number of rows and shared
    strings, counted in the raw XML."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError("文件超过 5 MB，请拆分后分批导入。")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError(NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {info.filename: info for info in archive.infolist()}
            if "[Content_Types].xml" not in members or "xl/workbook.xml" not in members:
                raise ImportFileError(NOT_XLSX)
            _check_sizes(members.values())
            sheet = _first_sheet(archive, members)
            if sheet not in members:
                raise ImportFileError(BROKEN)
            if len(ROW_WITH_CELLS.findall(archive.read(sheet))) > max_rows() + 1:  # the header row
                raise ImportFileError(_too_many_rows())
            if "xl/sharedStrings.xml" in members:
                strings = len(SHARED_STRING.findall(archive.read("xl/sharedStrings.xml")))
                if strings > (max_rows() + 1) * SHARED_STRINGS_PER_ROW:
                    raise ImportFileError(_too_many_rows())
    except (zipfile.BadZipFile, zlib.error, EOFError, ParseError, DefusedXmlException, NotImplementedError) as exc:
        # NotImplementedError: a compression method zipfile does not know; Excel never writes one.
        raise ImportFileError(BROKEN) from exc


def _too_many_rows() -> str:
    return f"一次最多导入 {max_rows()} 行，请拆分文件后分批导入。"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}"


def _check_sizes(members) -> None:
    total_limit, member_limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES, settings.IMPORT_MAX_MEMBER_BYTES
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > RATIO_CHECKED_FROM and info.file_size > settings.IMPORT_MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise ImportFileError(SUSPICIOUS)
        if info.file_size > member_limit:
            raise ImportFileError(TOO_LARGE.format(size=_megabytes(info.file_size), limit=_megabytes(member_limit)))
    if total > total_limit:
        raise ImportFileError(TOO_LARGE.format(size=_megabytes(total), limit=_megabytes(total_limit)))


def _first_sheet(archive: zipfile.ZipFile, members: dict) -> str:
    """The part name of the workbook's first worksheet (the one the import reads), from workbook.xml and its
    relationships; both are small parts already within the size limits."""
    workbook = fromstring(archive.read("xl/workbook.xml"))
    first = workbook.find(f"{MAIN_NS}sheets/{MAIN_NS}sheet")
    rels_name = "xl/_rels/workbook.xml.rels"
    if first is None or rels_name not in members:
        return "xl/worksheets/sheet1.xml"
    rel_id = first.get(f"{REL_NS}id")
    for rel in fromstring(archive.read(rels_name)).iter(f"{PKG_REL_NS}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else normpath(join(dirname("xl/workbook.xml"), target))
    return "xl/worksheets/sheet1.xml"


def _read_sheet(data: bytes) -> tuple[list[str], list[tuple[int, list]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, *READ_ERRORS) as exc:
        logger.warning("unreadable import workbook: %r", exc)
        raise ImportFileError(UNREADABLE) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ImportFileError("工作表是空的：第 1 行应为表头。")
        headers = [_normalise_header(value) for value in header]
        body = []
        for number, values in enumerate(rows, start=2):
            if all(_cell_text(value) == "" for value in values):
                continue
            if len(body) >= max_rows():
                raise ImportFileError(_too_many_rows())
            body.append((number, list(values)))
        return headers, body
    except READ_ERRORS as exc:
        # Parts are read lazily in read-only mode: broken XML shows here, not in load_workbook.
        logger.warning("broken import workbook: %r", exc)
        raise ImportFileError(BROKEN) from exc
    finally:
        workbook.close()


def _choice(value: str, choices, labels: dict) -> str | None:
    if value in labels:
        return labels[value]
    for code, label in choices.choices:
        if value.lower() == code or value == str(label):
            return code
    return None


def _find_users(keys: set[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    if not keys:
        return found
    for user in User.objects.filter(Q(username__in=keys) | Q(phone__in=keys)).order_by("pk"):
        if user.username in keys:
            found.setdefault(user.username, user)
        if user.phone and user.phone in keys:
            found.setdefault(user.phone, user)
    return found


def parse_workbook(data: bytes) -> ImportPreview:
    """Read and validate every row; nothing is written. Raises ImportFileError for unreadable files."""
    check_upload(data)
    headers, body = _read_sheet(data)
    missing = [name for name in HEADERS if name not in headers]
    if missing:
        raise ImportFileError("表头缺少以下列：" + "、".join(missing) + "。请使用“下载模板”中的表头。")
    index = {name: headers.index(name) for name in HEADERS}

    def cell(values: list, column: str) -> str:
        position = index[column]
        return _cell_text(values[position]) if position < len(values) else ""

    raw = [(number, {column: cell(values, column) for column in HEADERS}) for number, values in body]
    regions = {r.code: r for r in Region.objects.filter(code__in={row[COL_REGION] for _, row in raw})}
    users = _find_users({row[c] for _, row in raw for c in (COL_PRIMARY, COL_BACKUP) if row[c]})
    codes = {row[COL_CREDIT_CODE].upper() for _, row in raw}
    existing = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}

    preview = ImportPreview()
    seen: dict[str, int] = {}
    for number, row in raw:
        reasons: list[str] = []
        for column in REQUIRED:
            if not row[column]:
                reasons.append(f"“{column}”不能为空")
        code = row[COL_CREDIT_CODE].upper()
        if code:
            try:
                validate_credit_code(code)
            except ValidationError as exc:
                reasons.append("统一社会信用代码有误：" + "；".join(exc.messages))
            else:
                if code in seen:
                    reasons.append(f"统一社会信用代码 {code} 与第 {seen[code]} 行重复")
                else:
                    seen[code] = number
        region = regions.get(row[COL_REGION])
        if row[COL_REGION] and region is None:
            reasons.append(f"区划代码 {row[COL_REGION]} 不存在")
        industry = _choice(row[COL_INDUSTRY], Industry, INDUSTRY_LABELS) if row[COL_INDUSTRY] else None
        if row[COL_INDUSTRY] and industry is None:
            reasons.append(f"行业“{row[COL_INDUSTRY]}”无法识别")
        size = _choice(row[COL_SIZE], EnterpriseSize, SIZE_LABELS) if row[COL_SIZE] else None
        if row[COL_SIZE] and size is None:
            reasons.append(f"规模“{row[COL_SIZE]}”无法识别（可填：大型、中型、小型、微型）")
        commissioners: dict[str, User | None] = {}
        for column, role in ((COL_PRIMARY, "A角"), (COL_BACKUP, "B角")):
            key = row[column]
            if not key:
                commissioners[column] = None
                continue
            user = users.get(key)
            if user is None:
                reasons.append(f"{role}专员“{key}”不存在")
            elif not user.is_commissioner:
                reasons.append(f"{role}专员“{key}”（{user.display_name}）没有服务专员角色")
            elif not user.is_active:
                reasons.append(f"{role}专员“{key}”（{user.display_name}）账号已停用")
            commissioners[column] = user
        if row[COL_BACKUP] and not row[COL_PRIMARY]:
            reasons.append("填写了B角专员时必须同时填写A角专员")
        primary, backup = commissioners[COL_PRIMARY], commissioners[COL_BACKUP]
        if primary is not None and primary == backup:
            reasons.append("A角和B角不能是同一名专员")
        if len(row[COL_NAME]) > 200:
            reasons.append("企业名称超过 200 字")
        for column, limit in ((COL_ADDRESS, 255), (COL_CONTACT, 50), (COL_PHONE, 20)):
            if len(row[column]) > limit:
                reasons.append(f"“{column}”超过 {limit} 字")
        if row[COL_PHONE] and not CONTACT_PHONE.match(row[COL_PHONE]):
            reasons.append(f"“{COL_PHONE}”{row[COL_PHONE]} 不是有效的电话号码（手机号为11位，座机如 0536-8888888）")
        if reasons:
            preview.errors.append(RowError(number, reasons))
            continue
        preview.rows.append(
            ImportRow(
                row_number=number,
                name=row[COL_NAME],
                credit_code=code,
                region=region,
                industry=industry,
                size=size,
                address=row[COL_ADDRESS],
                contact_name=row[COL_CONTACT],
                contact_phone=row[COL_PHONE],
                primary=primary,
                backup=backup,
                existing=existing.get(code),
            )
        )
    if not raw:
        raise ImportFileError("表中没有数据行。")
    return preview


def pairing_snapshot(pairing: Pairing | None) -> dict | None:
    """The audit view of a pairing: who is paired with what, in which role, for which period."""
    if pairing is None:
        return None
    return {
        "enterprise": pairing.enterprise_id,
        "enterprise_name": str(pairing.enterprise) if pairing.enterprise_id else "",
        "commissioner": pairing.commissioner_id,
        "commissioner_username": pairing.commissioner.username if pairing.commissioner_id else "",
        "role": pairing.role,
        "starts_on": pairing.starts_on.isoformat() if pairing.starts_on else None,
        "ends_on": pairing.ends_on.isoformat() if pairing.ends_on else None,
    }


def _end_pairing(pairing: Pairing, today: datetime.date) -> None:
    """End a pairing as of yesterday; one that only started today is removed instead."""
    yesterday = today - datetime.timedelta(days=1)
    if pairing.starts_on <= yesterday:
        pairing.ends_on = yesterday
        pairing.save(update_fields=["ends_on"])
    else:
        pairing.delete()


def import_apply(*, preview: ImportPreview, actor, request=None, file_name: str = "") -> ImportSummary:
    """Write a validated preview: upsert enterprises by credit code and refresh their A/B pairings.

    Every pairing created or ended is audited (``pairing_change``) as made by ``actor`` through the import.
    """
    if not preview.is_valid:
        raise ValueError("Only a preview without bad rows can be imported")
    with audit_context(actor=actor, request=request, via="import"):
        return _import_apply(preview=preview, actor=actor, request=request, file_name=file_name)


@transaction.atomic
def _import_apply(*, preview: ImportPreview, actor, request=None, file_name: str = "") -> ImportSummary:
    today = timezone.localdate()
    summary = ImportSummary()
    existing = {
        e.credit_code: e
        for e in Enterprise.objects.select_for_update().filter(credit_code__in=[r.credit_code for r in preview.rows])
    }
    fields = ["name", "region", "industry", "size", "address", "contact_name", "contact_phone"]
    for row in preview.rows:
        enterprise = existing.get(row.credit_code)
        values = {
            "name": row.name,
            "region": row.region,
            "industry": row.industry,
            "size": row.size,
            "address": row.address,
            "contact_name": row.contact_name,
            "contact_phone": row.contact_phone,
        }
        if enterprise is None:
            enterprise = Enterprise(credit_code=row.credit_code, **values)
            enterprise.full_clean()
            enterprise.save()
            summary.created += 1
        else:
            for name, value in values.items():
                setattr(enterprise, name, value)
            enterprise.full_clean(validate_unique=False)
            enterprise.save(update_fields=fields)
            summary.updated += 1
        active = list(Pairing.objects.active(today).filter(enterprise=enterprise).select_related("commissioner"))
        for role, commissioner in ((Pairing.Role.PRIMARY, row.primary), (Pairing.Role.BACKUP, row.backup)):
            if commissioner is None:
                continue
            current = [p for p in active if p.role == role]
            if any(p.commissioner_id == commissioner.pk for p in current):
                continue
            for pairing in current:
                _end_pairing(pairing, today)
                summary.pairings_ended += 1
            Pairing.objects.create(enterprise=enterprise, commissioner=commissioner, role=role, starts_on=today)
            summary.pairings_created += 1
    audit_record(
        action=AuditEvent.Action.IMPORT,
        actor=actor,
        request=request,
        target=f"enterprises:{file_name}"[:200],
        detail={
            "file": file_name,
            "rows": len(preview.rows),
            "created": summary.created,
            "updated": summary.updated,
            "pairings_created": summary.pairings_created,
            "pairings_ended": summary.pairings_ended,
        },
    )
    return summary


def template_workbook() -> bytes:
    """An empty sheet with the expected headers and one example row, for administrators to fill in."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "企业与专员结对"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    notes = workbook.create_sheet("填写说明")
    for line in (
        ["只读取第一个工作表；第 1 行为表头，从第 2 行起每行一家企业。"],
        ["必填：企业名称、统一社会信用代码（18 位，含校验位）、所属区划代码、行业、规模。"],
        ["行业可填：" + "、".join(str(label) for label in INDUSTRY_LABELS)],
        ["规模可填：大型、中型、小型、微型。"],
        ["A角/B角专员填用户名或手机号，须已有服务专员角色；留空表示不改变现有结对。"],
        ["已存在的统一社会信用代码会更新该企业，否则新建；任一行有误则整份文件不导入。"],
    ):
        notes.append(line)
    widths = [28, 22, 14, 12, 8, 30, 10, 14, 24, 24]
    for column, width in zip("ABCDEFGHIJ", widths, strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
