"""Building .xlsx uploads for the import tests."""

import io

from openpyxl import Workbook

from portal.orgs.importing import HEADERS


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(
    name,
    code,
    region="370705",
    industry="制造业",
    size="小型",
    primary="",
    backup="",
    address="奎文区",
    contact="张三",
    phone="13800000000",
):
    return [name, code, region, industry, size, address, contact, phone, primary, backup]
