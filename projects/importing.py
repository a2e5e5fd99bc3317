"""Bulk import of key projects from an .xlsx sheet, in the city's own columns (Chinese headers).

The same two steps and the same hardened workbook checks as the enterprise import
(``portal/orgs/importing.py``): ``parse_workbook`` reads and validates every row without writing (the
dry run); ``import_apply`` writes a clean result in one transaction. A file with any bad row is never
applied. Projects are matched by region and name: a known project is updated, others are created with
their first stage change recorded. The stage of a known project is changed on its page (stage rules and
their audit), not by an import.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from portal.accounts.audit import audit_record
from portal.accounts.models import AuditEvent, User
from portal.orgs.importing import (
    INDUSTRY_LABELS,
    ImportFileError,
    RowError,
    _cell_text,
    _choice,
    _find_users,
    _read_sheet,
    check_upload,
)
from portal.orgs.models import Enterprise, Industry, Region

from .models import Leader, Level, Project, ProjectPairing, Stage, StageChange

__all__ = ["HEADERS", "REQUIRED", "ImportFileError", "import_apply", "parse_workbook", "template_workbook"]

COL_NAME = "项目名称"
COL_REGION = "所属区划代码"
COL_ENTERPRISE = "业主企业统一社会信用代码"
COL_INDUSTRY = "行业"
COL_LEVEL = "项目级别"
COL_STAGE = "项目阶段"
COL_TOTAL = "总投资(万元)"
COL_PLANNED = "本年计划投资(万元)"
COL_COMPLETED = "本年已完成投资(万元)"
COL_ADDRESS = "建设地址"
COL_LEADER = "包靠领导"
COL_TITLE = "领导职务"
COL_PRIMARY = "A角专员(用户名或手机号)"
COL_BACKUP = "B角专员(用户名或手机号)"

HEADERS = [
    COL_NAME,
    COL_REGION,
    COL_ENTERPRISE,
    COL_INDUSTRY,
    COL_LEVEL,
    COL_STAGE,
    COL_TOTAL,
    COL_PLANNED,
    COL_COMPLETED,
    COL_ADDRESS,
    COL_LEADER,
    COL_TITLE,
    COL_PRIMARY,
    COL_BACKUP,
]
REQUIRED = [COL_NAME, COL_REGION, COL_LEVEL, COL_STAGE, COL_TOTAL]
LEVEL_LABELS = {
    "省重点": Level.PROVINCE,
    "省级": Level.PROVINCE,
    "省重点项目": Level.PROVINCE,
    "市重点": Level.CITY,
    "市级": Level.CITY,
    "市重点项目": Level.CITY,
    "县重点": Level.COUNTY,
    "县级": Level.COUNTY,
    "区重点": Level.COUNTY,
    "县重点项目": Level.COUNTY,
}
STAGE_LABELS = {
    "在谈": Stage.NEGOTIATING,
    "签约": Stage.SIGNED,
    "立项": Stage.APPROVED,
    "开工": Stage.STARTED,
    "投产": Stage.OPERATING,
    "竣工": Stage.COMPLETED,
}
MONEY_LIMIT = Decimal("999999999999.99")


@dataclass
class ProjectRow:
    row_number: int
    name: str
    region: Region
    enterprise: Enterprise | None
    industry: str
    level: str
    stage: str
    total: Decimal
    planned: Decimal
    completed: Decimal
    address: str
    leader: str
    title: str
    primary: User | None
    backup: User | None
    existing: Project | None = None

    @property
    def is_new(self) -> bool:
        return self.existing is None


@dataclass
class ProjectPreview:
    rows: list[ProjectRow] = field(default_factory=list)
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
class ProjectImportSummary:
    created: int = 0
    updated: int = 0
    pairings_created: int = 0


def _money(text: str, column: str, reasons: list[str]) -> Decimal:
    if not text:
        return Decimal(0)
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        reasons.append(f"“{column}”应为数字（万元），实际为“{text}”")
        return Decimal(0)
    if not value.is_finite() or value < 0:
        reasons.append(f"“{column}”不能为负数")
        return Decimal(0)
    if value > MONEY_LIMIT:
        reasons.append(f"“{column}”数额过大")
        return Decimal(0)
    return value.quantize(Decimal("0.01"))


def parse_workbook(data: bytes) -> ProjectPreview:
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
    if not raw:
        raise ImportFileError("表中没有数据行。")
    regions = {r.code: r for r in Region.objects.filter(code__in={row[COL_REGION] for _, row in raw})}
    codes = {row[COL_ENTERPRISE].upper() for _, row in raw if row[COL_ENTERPRISE]}
    enterprises = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
    users = _find_users({row[c] for _, row in raw for c in (COL_PRIMARY, COL_BACKUP) if row[c]})
    existing = {
        (p.region_id, p.name): p
        for p in Project.objects.filter(
            region__in=regions.values(), name__in={row[COL_NAME] for _, row in raw}
        ).select_related("region")
    }

    preview = ProjectPreview()
    seen: dict[tuple, int] = {}
    for number, row in raw:
        reasons: list[str] = []
        for column in REQUIRED:
            if not row[column]:
                reasons.append(f"“{column}”不能为空")
        if len(row[COL_NAME]) > 200:
            reasons.append("项目名称超过 200 字")
        region = regions.get(row[COL_REGION])
        if row[COL_REGION] and region is None:
            reasons.append(f"区划代码 {row[COL_REGION]} 不存在")
        key = (region.pk if region else None, row[COL_NAME])
        if region is not None and row[COL_NAME]:
            if key in seen:
                reasons.append(f"项目“{row[COL_NAME]}”与第 {seen[key]} 行重复（同一区划内项目名称不能重复）")
            else:
                seen[key] = number
        enterprise = None
        if row[COL_ENTERPRISE]:
            enterprise = enterprises.get(row[COL_ENTERPRISE].upper())
            if enterprise is None:
                reasons.append(f"业主企业 {row[COL_ENTERPRISE]} 不存在，请先导入该企业")
        industry = Industry.OTHER
        if row[COL_INDUSTRY]:
            industry = _choice(row[COL_INDUSTRY], Industry, INDUSTRY_LABELS)
            if industry is None:
                reasons.append(f"行业“{row[COL_INDUSTRY]}”无法识别")
        elif enterprise is not None:
            industry = enterprise.industry
        level = _choice(row[COL_LEVEL], Level, LEVEL_LABELS) if row[COL_LEVEL] else None
        if row[COL_LEVEL] and level is None:
            reasons.append(f"项目级别“{row[COL_LEVEL]}”无法识别（可填：省重点、市重点、县重点）")
        stage = _choice(row[COL_STAGE], Stage, STAGE_LABELS) if row[COL_STAGE] else None
        if row[COL_STAGE] and stage is None:
            reasons.append(f"项目阶段“{row[COL_STAGE]}”无法识别（可填：在谈、签约、立项、开工、投产、竣工）")
        known = existing.get(key)
        if known is not None and stage is not None and stage != known.stage:
            reasons.append(f"已有项目的阶段为“{known.get_stage_display()}”：阶段变更请在项目页面办理，导入不改变阶段")
        total = _money(row[COL_TOTAL], COL_TOTAL, reasons)
        planned = _money(row[COL_PLANNED], COL_PLANNED, reasons)
        completed = _money(row[COL_COMPLETED], COL_COMPLETED, reasons)
        if completed > total:
            reasons.append("本年已完成投资超过总投资：请核对，确需超过的请在项目管理页面勾选说明")
        for column, limit in ((COL_ADDRESS, 255), (COL_LEADER, 50), (COL_TITLE, 100)):
            if len(row[column]) > limit:
                reasons.append(f"“{column}”超过 {limit} 字")
        if row[COL_TITLE] and not row[COL_LEADER]:
            reasons.append("填写了领导职务时必须填写包靠领导姓名")
        commissioners: dict[str, User | None] = {}
        for column, role in ((COL_PRIMARY, "A角"), (COL_BACKUP, "B角")):
            value = row[column]
            user = users.get(value) if value else None
            if value and user is None:
                reasons.append(f"{role}专员“{value}”不存在")
            elif user is not None and not user.is_commissioner:
                reasons.append(f"{role}专员“{value}”（{user.display_name}）没有服务专员角色")
            elif user is not None and not user.is_active:
                reasons.append(f"{role}专员“{value}”（{user.display_name}）账号已停用")
            commissioners[column] = user
        primary, backup = commissioners[COL_PRIMARY], commissioners[COL_BACKUP]
        if primary is not None and primary == backup:
            reasons.append("A角和B角不能是同一名专员")
        if reasons:
            preview.errors.append(RowError(number, reasons))
            continue
        preview.rows.append(
            ProjectRow(
                row_number=number,
                name=row[COL_NAME],
                region=region,
                enterprise=enterprise,
                industry=industry,
                level=level,
                stage=stage,
                total=total,
                planned=planned,
                completed=completed,
                address=row[COL_ADDRESS],
                leader=row[COL_LEADER],
                title=row[COL_TITLE],
                primary=primary,
                backup=backup,
                existing=known,
            )
        )
    return preview


@transaction.atomic
def import_apply(*, preview: ProjectPreview, actor, request=None, file_name: str = "") -> ProjectImportSummary:
    """Write a validated preview: create or update the projects, their leaders and missing A/B pairings."""
    if not preview.is_valid:
        raise ValueError("Only a preview without bad rows can be imported")
    today = timezone.localdate()
    summary = ProjectImportSummary()
    fields = [
        "enterprise",
        "industry",
        "level",
        "total_investment",
        "planned_investment",
        "completed_investment",
        "site_address",
        "leader",
    ]
    for row in preview.rows:
        leader = None
        if row.leader:
            leader, _created = Leader.objects.get_or_create(region=row.region, name=row.leader, title=row.title)
        values = {
            "enterprise": row.enterprise,
            "industry": row.industry,
            "level": row.level,
            "total_investment": row.total,
            "planned_investment": row.planned,
            "completed_investment": row.completed,
            "site_address": row.address,
            "leader": leader,
        }
        project = (
            Project.objects.select_for_update().filter(region=row.region, name=row.name).first()
            if row.existing
            else None
        )
        if project is None:
            project = Project.objects.create(
                region=row.region, name=row.name, stage=row.stage, stage_changed_on=today, **values
            )
            StageChange.objects.create(
                project=project, from_stage="", to_stage=row.stage, changed_on=today, actor=actor, reason="导入"
            )
            summary.created += 1
        else:
            for name, value in values.items():
                setattr(project, name, value)
            project.save(update_fields=fields)
            summary.updated += 1
        active = list(ProjectPairing.objects.active(today).filter(project=project))
        for role, commissioner in (
            (ProjectPairing.Role.PRIMARY, row.primary),
            (ProjectPairing.Role.BACKUP, row.backup),
        ):
            if commissioner is None or any(p.commissioner_id == commissioner.pk and p.role == role for p in active):
                continue
            for pairing in (p for p in active if p.role == role):
                pairing.ends_on = max(today - datetime.timedelta(days=1), pairing.starts_on)
                pairing.save(update_fields=["ends_on"])
            ProjectPairing.objects.create(project=project, commissioner=commissioner, role=role, starts_on=today)
            summary.pairings_created += 1
    audit_record(
        action=AuditEvent.Action.IMPORT,
        actor=actor,
        request=request,
        target=f"projects:{file_name}"[:200],
        detail={
            "file": file_name,
            "rows": len(preview.rows),
            "created": summary.created,
            "updated": summary.updated,
            "pairings_created": summary.pairings_created,
        },
    )
    return summary


def template_workbook() -> bytes:
    """An empty sheet with the expected headers and a sheet of notes, for administrators to fill in."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "重点项目"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    notes = workbook.create_sheet("填写说明")
    for line in (
        "只读取第一个工作表；第 1 行为表头，从第 2 行起每行一个项目。",
        "必填：项目名称、所属区划代码、项目级别、项目阶段、总投资（万元）。",
        "项目级别可填：省重点、市重点、县重点；项目阶段可填：在谈、签约、立项、开工、投产、竣工。",
        "投资额以万元为单位，不能为负数；本年已完成投资不能超过总投资。",
        "同一区划内名称相同的项目会被更新（阶段不变，阶段变更请在项目页面办理），否则新建。",
        "A角/B角专员填用户名或手机号，须已有服务专员角色；任一行有误则整份文件不导入。",
    ):
        notes.append([line])
    for column, width in zip("ABCDEFGHIJKLMN", [28, 14, 22, 12, 10, 10, 14, 16, 16, 30, 10, 16, 22, 22], strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
