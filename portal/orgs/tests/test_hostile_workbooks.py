"""Hostile and broken workbooks get the import's file error, quickly, and change nothing."""

import io
import time
import zipfile

import pytest

from portal.accounts.models import AuditEvent
from portal.orgs import importing
from portal.orgs.factories import make_credit_code
from portal.orgs.models import Enterprise, Pairing
from portal.orgs.tests.helpers import row, xlsx_bytes

IMPORT_URL = "/admin/orgs/enterprise/import/"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
SST_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _good() -> bytes:
    return xlsx_bytes([row("潍坊一号机械有限公司", make_credit_code(1, "370705"))])


def _replace(data: bytes, parts: dict[str, bytes]) -> bytes:
    """The workbook ``data`` with some parts replaced or added, zipped again as Excel does."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info, source.read(info.filename))
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


def _shared_strings(count: int) -> bytes:
    return SST_OPEN + b"<si><t>x</t></si>" * count + b"</sst>"


def _broken_sheet() -> bytes:
    with zipfile.ZipFile(io.BytesIO(_good())) as archive:
        sheet = archive.read(SHEET)
    return _replace(_good(), {SHEET: sheet[: len(sheet) // 2]})  # cut off in the middle of a row


def _entity_bomb() -> bytes:
    """A sheet whose one cell expands a nested entity (billion laughs, kept small here)."""
    with zipfile.ZipFile(io.BytesIO(_good())) as archive:
        sheet = archive.read(SHEET)
    dtd = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    sheet = dtd + sheet.replace("潍坊一号机械有限公司".encode(), b"&c;")
    return _replace(_good(), {SHEET: sheet})


def _with_shared_strings(data: bytes, table: bytes) -> bytes:
    """``data`` with a shared-strings part the workbook really refers to, as Excel and WPS write it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )
    relationship = (
        b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    )
    return _replace(
        data,
        {
            "[Content_Types].xml": types.replace(b"</Types>", override + b"</Types>"),
            "xl/_rels/workbook.xml.rels": rels.replace(b"</Relationships>", relationship + b"</Relationships>"),
            STRINGS: table,
        },
    )


def _shared_strings_bomb() -> bytes:
    # About 150 KB zipped, 51 MB and 3 million strings once unzipped.
    return _with_shared_strings(_good(), _shared_strings(3_000_000))


def _too_many_rows() -> bytes:
    return xlsx_bytes([row(f"企业{n}", make_credit_code(n)) for n in range(6)])


def _renamed_png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def _counts():
    return Enterprise.objects.count(), Pairing.objects.count(), AuditEvent.objects.count()


HOSTILE = {
    "broken_xml": (_broken_sheet, importing.BROKEN),
    "entity_bomb": (_entity_bomb, importing.UNREADABLE),
    "shared_strings_bomb": (_shared_strings_bomb, "压缩比异常"),
    "too_many_rows": (_too_many_rows, "一次最多导入 5 行"),
    "not_a_zip": (_renamed_png, "不是 Excel 工作簿"),
}


@pytest.fixture
def small_import(settings):
    settings.IMPORT_MAX_ROWS = 5


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_admin_answers_a_hostile_workbook_with_a_file_error_and_changes_nothing(
    admin_client, kuiwen, small_import, name
):
    build, message = HOSTILE[name]
    upload = io.BytesIO(build())
    upload.name = "企业名单.xlsx"
    before = _counts()
    started = time.monotonic()
    response = admin_client.post(IMPORT_URL, {"step": "upload", "file": upload})
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not response.context.get("token") and not response.context.get("preview")
    assert _counts() == before


def test_a_shared_strings_bomb_is_refused_from_the_zip_directory_before_parsing(kuiwen, monkeypatch):
    data = _shared_strings_bomb()
    assert len(data) < 300_000

    def parse(*args, **kwargs):
        raise AssertionError("the workbook must not reach openpyxl")

    monkeypatch.setattr("openpyxl.load_workbook", parse)
    started = time.monotonic()
    with pytest.raises(importing.ImportFileError, match="压缩比异常"):
        importing.parse_workbook(data)
    assert time.monotonic() - started < 2


def test_it_caps_the_uncompressed_total_and_each_part(kuiwen, settings):
    padding = b"<!-- " + bytes(range(32, 127)) * 4_000 + b" -->"  # 380 KB that hardly compresses below 1:100
    data = _replace(_good(), {"xl/padding1.xml": padding, "xl/padding2.xml": padding})
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 500_000
    with pytest.raises(importing.ImportFileError, match="解压后过大"):
        importing.check_upload(data)
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 10_000_000
    settings.IMPORT_MAX_MEMBER_BYTES = 300_000
    with pytest.raises(importing.ImportFileError, match="解压后过大"):
        importing.check_upload(data)
    settings.IMPORT_MAX_MEMBER_BYTES = 1_000_000
    importing.check_upload(data)


def test_it_counts_shared_strings_before_parsing(kuiwen, settings):
    settings.IMPORT_MAX_ROWS = 10
    settings.IMPORT_MAX_COMPRESSION_RATIO = 100_000
    data = _with_shared_strings(_good(), _shared_strings((10 + 1) * importing.SHARED_STRINGS_PER_ROW + 1))
    with pytest.raises(importing.ImportFileError, match="一次最多导入 10 行"):
        importing.check_upload(data)


def test_it_counts_the_rows_of_the_first_sheet_only_and_not_empty_ones(kuiwen, settings):
    settings.IMPORT_MAX_ROWS = 2
    data = xlsx_bytes([row(f"企业{n}", make_credit_code(n)) for n in range(2)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read(SHEET)
    # Formatting kept on empty rows, and a second sheet with many rows: neither counts.
    sheet = sheet.replace(b"</sheetData>", b'<row r="50" ht="20" customHeight="1"/></sheetData>')
    many = sheet.replace(b"</sheetData>", b'<row r="60"><c r="A60" t="n"><v>1</v></c></row>' * 10 + b"</sheetData>")
    data = _replace(data, {SHEET: sheet, "xl/worksheets/sheet2.xml": many})
    importing.check_upload(data)
    assert len(importing.parse_workbook(data).rows) == 2


def test_a_workbook_with_a_small_shared_strings_table_is_read(kuiwen, settings):
    data = _with_shared_strings(_good(), _shared_strings(3))
    importing.check_upload(data)
    assert importing.parse_workbook(data).is_valid


def test_a_good_workbook_still_imports(kuiwen, bob):
    preview = importing.parse_workbook(_good())
    assert preview.is_valid and [r.name for r in preview.rows] == ["潍坊一号机械有限公司"]
