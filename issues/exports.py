"""Excel workbooks (台账) of request rows, with personal data masked for roles that do not need it."""

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from portal.accounts.spreadsheets import safe_row
from portal.masking import mask_phone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def requests_workbook(rows, headers: list[str], full_phone_enterprises: set[int]) -> bytes:
    """One sheet, one row per request; the enterprise's contact phone in full only for ``full_phone_enterprises``
    (the enterprises the exporting commissioner is paired with), masked otherwise."""
    book = Workbook()
    sheet = book.active
    sheet.title = "requests"
    sheet.append(safe_row(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for req in rows:
        phone = req.enterprise.contact_phone
        sheet.append(
            safe_row(
                [
                    req.reference,
                    req.title,
                    req.enterprise.name,
                    req.enterprise.contact_name,
                    phone if req.enterprise_id in full_phone_enterprises else mask_phone(phone),
                    req.region.name,
                    str(req.category),
                    req.get_source_display(),
                    req.get_status_display(),
                    _local(req.submitted_at),
                    _local(req.current_due_at),
                    req.lead_department.name if req.lead_department_id else "",
                ]
            )
        )
    for column, width in zip("ABCDEFGHIJKL", (20, 40, 32, 12, 16, 12, 14, 12, 12, 17, 17, 24), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
