"""Hostile uploads are refused quickly, in bounded memory, with a clear message (SECURITY.md "Input and
files", issue 4 "Bad input"). Every file is built here; none is downloaded.

Several of these files would not merely be misread by python-calamine: a shared-strings part declaring
uniqueCount="4000000000", a DIMENSIONS record of 4 billion rows, or two cells at A1 and XFD1048576 make it
allocate terabytes and abort the whole process. Such a test passing at all shows the reader refused the
file before calamine saw it.
"""

import io
import struct
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from skilleval.core.spreadsheets import SpreadsheetRefused
from skilleval.core.spreadsheets.errors import MESSAGES, cell_error
from tests.core.test_spreadsheets import COLUMNS, HEADER, MB, ZHANG_ID, read
from tests.core.test_spreadsheets_files import (
    HEADER_ROW,
    MACRO_MAIN,
    biff_record,
    deflated,
    hand_zip,
    inline_row,
    ole2_file,
    raw_xlsx,
    set_declared_size,
    sheet_xml,
    workbook_members,
    xls_bytes,
    xlsx_bytes,
    zip_bomb_xlsx,
)

VBA_PROJECT = "application/vnd.ms-office.vbaProject"
XLS_HEADER = [(0, i, h) for i, h in enumerate(HEADER[:3])]


def refused(data, filename="报名表.xlsx", **options) -> list[tuple[str, int | None, str | None]]:
    with pytest.raises(SpreadsheetRefused) as caught:
        read(data, filename, **options)
    return [(e.code, e.row, e.column) for e in caught.value.errors]


def code_of(data, filename="报名表.xlsx", **options) -> str:
    return refused(data, filename, **options)[0][0]


def measured(data, filename="报名表.xlsx", **options) -> tuple[str, float, float]:
    """The refusal code, the seconds it took and the peak of Python memory in MB while refusing."""
    tracemalloc.start()
    try:
        started = time.perf_counter()
        code = code_of(data, filename, **options)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()
    return code, seconds, peak


# ------------------------------------------------------------------------------------- zip bombs, sizes


@pytest.fixture(scope="module")
def gigabyte_bomb():
    return zip_bomb_xlsx(1024)


def test_a_gigabyte_zip_bomb_is_refused_within_a_second_in_bounded_memory(gigabyte_bomb):
    code, seconds, peak = measured(gigabyte_bomb)
    assert code == "zip_too_large"
    assert seconds < 1.0
    assert peak < 50


def test_a_bomb_under_the_size_limit_is_refused_by_its_compression_ratio():
    code, seconds, peak = measured(zip_bomb_xlsx(200))
    assert (code, seconds < 1.0, peak < 50) == ("zip_ratio", True, True)


def test_a_header_that_lies_about_the_size_is_caught_while_inflating():
    # Both headers say 1,000 bytes, so every up-front check passes; inflating stops past the 1,000th byte.
    lying = zip_bomb_xlsx(1024, declared=1000)
    code, seconds, peak = measured(lying)
    assert (code, seconds < 1.0, peak < 50) == ("zip_size_mismatch", True, True)


def test_a_part_shorter_than_its_declared_size_is_refused():
    sheet = sheet_xml(HEADER_ROW).encode()
    payload, method, crc, _ = deflated(sheet)
    data = hand_zip(
        [*workbook_members(), ("xl/worksheets/sheet1.xml", payload, method, crc, len(sheet) + 100)]
    )
    assert code_of(data) == "zip_size_mismatch"


def test_a_local_header_disagreeing_with_the_central_directory_is_refused():
    data = set_declared_size(raw_xlsx(), "xl/worksheets/sheet1.xml", 10, central=False)
    assert code_of(data) == "zip_size_mismatch"


def test_entries_sharing_their_bytes_are_refused_as_a_bomb():
    """The overlapping-file bomb: many names, one compressed payload, each entry honest about its size."""
    data = hand_zip(workbook_members())
    sheet = deflated(sheet_xml(HEADER_ROW).encode())
    data = hand_zip([*workbook_members(), ("xl/worksheets/sheet1.xml", *sheet)])
    archive = zipfile.ZipFile(io.BytesIO(data))
    central = data.index(b"PK\x01\x02", archive.getinfo("xl/worksheets/sheet1.xml").header_offset)
    end = data.index(b"PK\x05\x06")
    last = data[data.rindex(b"PK\x01\x02", 0, end) : end]
    copy = last.replace(b"xl/worksheets/sheet1.xml", b"xl/worksheets/sheet2.xml")
    eocd = bytearray(data[end:])
    count = struct.unpack_from("<H", eocd, 8)[0] + 1
    struct.pack_into("<HHI", eocd, 8, count, count, len(data[central:end]) + len(copy))
    bomb = data[:end] + copy + bytes(eocd)
    assert code_of(bomb) == "zip_ratio"


def test_too_many_parts_are_refused_before_the_directory_is_parsed():
    parts = {f"xl/media/image{i}.png": b"" for i in range(1001)}
    assert code_of(raw_xlsx(parts=parts)) == "zip_too_many_entries"


def test_an_encrypted_zip_entry_is_refused():
    data = hand_zip([*workbook_members(), ("xl/worksheets/sheet1.xml", *deflated(b"x"))], flags=0x801)
    assert code_of(data) == "encrypted"


def test_an_unusual_compression_method_is_refused():
    assert code_of(raw_xlsx(method=zipfile.ZIP_BZIP2)) == "unsupported_structure"


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "xl/../../evil.xml", "/etc/cron.d/x", "xl\\..\\evil.xml", "C:/evil.xml"],
)
def test_path_traversal_names_inside_the_zip_are_refused(name):
    assert code_of(raw_xlsx(parts={name: "x"})) == "zip_unsafe_name"


def test_a_nul_byte_in_a_part_name_is_refused():
    # zipfile shows the name cut at the NUL ("xl/a"); other readers may see the rest of it.
    data = hand_zip([*workbook_members(), ("xl/a\x00/../../evil.xml", *deflated(b"x"))])
    assert code_of(data) == "zip_unsafe_name"


def test_two_parts_with_the_same_name_are_refused():
    # Readers disagree on which copy wins (Python takes the last, others the first): we check neither.
    data = hand_zip([*workbook_members(), *[("xl/worksheets/sheet1.xml", *deflated(b"<x/>"))] * 2])
    assert code_of(data) == "zip_unsafe_name"


# ------------------------------------------------------------------------------------- active content


@pytest.mark.parametrize(
    "options",
    [
        {"parts": {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}},
        {"main": MACRO_MAIN},
        {"content_types_extra": f'<Default Extension="bin" ContentType="{VBA_PROJECT}"/>'},
        {"parts": {"xl/macrosheets/sheet1.xml": "<xm:macrosheet/>"}},
        {"parts": {"xl/activeX/activeX1.xml": "<ax:ocx/>"}},
    ],
    ids=["vbaProject.bin", "xlsm main part", "vbaProject content type", "Excel 4 macro sheet", "ActiveX"],
)
def test_macros_are_refused(options):
    assert code_of(raw_xlsx(**options)) == "macro"


@pytest.mark.parametrize(
    "options",
    [
        {"parts": {"xl/externalLinks/externalLink1.xml": "<externalLink/>"}},
        {"workbook_extra": '<externalReferences><externalReference r:id="rId9"/></externalReferences>'},
        {
            "rels_extra": '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/externalLinkPath" Target="file:///C:/salaries.xlsx" TargetMode="External"/>'
        },
        {"parts": {"xl/connections.xml": "<connections/>"}},
    ],
    ids=["externalLinks part", "externalReferences", "external relationship", "data connection"],
)
def test_external_links_are_refused(options):
    assert code_of(raw_xlsx(**options)) == "external_link"


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]><worksheet><sheetData><row r="1"><c r="A1" '
    't="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
)


def test_a_document_type_declaration_in_a_sheet_is_refused():
    assert code_of(raw_xlsx(BILLION_LAUGHS)) == "xml_dtd"


def test_a_document_type_declaration_in_the_workbook_part_is_refused():
    data = raw_xlsx(parts={})
    hostile = data.replace(b"", b"")  # the workbook part is rebuilt below with a DTD
    members = [
        (name, *deflated(zipfile.ZipFile(io.BytesIO(hostile)).read(name)))
        for name in (
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/_rels/workbook.xml.rels",
            "xl/worksheets/sheet1.xml",
        )
    ]
    workbook = (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><workbook>&x;</workbook>'
    )
    assert code_of(hand_zip([*members, ("xl/workbook.xml", *deflated(workbook.encode()))])) == "xml_dtd"


# ------------------------------------------------------------------------------------------- formulas


def test_a_formula_cell_is_refused_naming_its_row_and_column():
    data = xlsx_bytes([HEADER, ["张三", ZHANG_ID, "1"], ["李四", "=B2", "=1+1"]])
    assert refused(data) == [("formula", 3, "身份证号"), ("formula", 3, "手机号")]
    with pytest.raises(SpreadsheetRefused) as caught:
        read(data)
    assert caught.value.errors[0].message_zh.startswith("第 3 行“身份证号”列是公式")
    assert "Paste Special" in caught.value.errors[0].message_en


def test_shared_formulas_are_refused_in_every_cell_that_uses_them():
    rows = (
        inline_row(2, "张三", "1")
        + '<row r="3"><c r="A3"><f t="shared" ref="A3:A4" si="0">A2</f><v>x</v></c></row>'
        + '<row r="4"><c r="A4"><f t="shared" si="0"/><v>x</v></c></row>'
    )
    assert refused(raw_xlsx(sheet_xml(HEADER_ROW + rows)), max_cell_chars=50) == [
        ("formula", 3, "姓名"),
        ("formula", 4, "姓名"),
    ]


def test_formulas_in_prefixed_xml_are_refused_too():
    sheet = sheet_xml(HEADER_ROW + '<row r="2"><c r="B2"><f>1+1</f><v>2</v></c></row>', prefix="x")
    assert refused(raw_xlsx(sheet)) == [("formula", 2, "身份证号")]


def test_validation_lists_and_filters_are_not_formulas():
    workbook = Workbook()
    sheet = workbook.active
    for row in [HEADER, ["张三", ZHANG_ID, "1"]]:
        sheet.append(row)
    validation = DataValidation(type="list", formula1='"初级,中级,高级"')
    sheet.add_data_validation(validation)
    validation.add("E2:E100")
    sheet.auto_filter.ref = "A1:E2"
    out = io.BytesIO()
    workbook.save(out)
    assert [row.values["name"] for row in read(out.getvalue())] == ["张三"]


# ------------------------------------------------------------------------------------- rows and columns


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ('<c r="XFD1048576"><v>1</v></c>', "too_many_columns"),
        ('<c r="A1048576"><v>1</v></c>', "too_many_rows"),
        ('<c r="AY2"><v>1</v></c>', "too_many_columns"),  # column 51, one past the default 50
        ('<c s="1" r="A1048576"><v>1</v></c>', "too_many_rows"),  # attributes in another order: slow path
    ],
)
def test_a_value_far_away_is_refused_before_calamine_allocates_the_rectangle(cell, code):
    data = raw_xlsx(sheet_xml(HEADER_ROW + inline_row(2, "张三", ZHANG_ID) + f'<row r="9">{cell}</row>'))
    assert code_of(data) == code


def test_a_value_after_the_last_row_is_checked_too():
    data = raw_xlsx(sheet_xml(HEADER_ROW + '<c r="XFD9"><v>1</v></c>'))
    assert code_of(data) == "too_many_columns"


def test_a_formatted_but_empty_cell_far_away_is_harmless():
    # Borders drawn down to row 60,000 leave self-closing cells; calamine skips them, so do the limits.
    far = '<row r="60000"><c r="XFD60000" s="1"/></row>'
    (row,) = read(raw_xlsx(sheet_xml(HEADER_ROW + inline_row(2, "张三", ZHANG_ID, "1") + far)), max_rows=10)
    assert row.number == 2


def test_a_cell_without_a_reference_is_refused():
    data = raw_xlsx(sheet_xml(HEADER_ROW + '<row r="2"><c><v>1</v></c></row>'))
    assert code_of(data) == "unsupported_structure"


def test_a_shared_string_count_larger_than_the_strings_is_refused():
    sst = (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'count="1" uniqueCount="4000000000"><si><t>姓名</t></si></sst>'
    )
    data = raw_xlsx(
        sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
        parts={"xl/sharedStrings.xml": sst},
        rels_extra='<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/>',
    )
    assert code_of(data) == "zip_size_mismatch"


def test_a_sheet_over_the_row_limit_is_refused_while_streaming_before_the_rest_is_read():
    """The zip says the sheet is 1,000 bytes longer than it is: reading it to the end would refuse it for
    that. The refusal for rows shows the reader stopped in the first megabyte."""
    rows = "".join(inline_row(n, "张三", ZHANG_ID, "13800138000") for n in range(2, 40_000))
    sheet = sheet_xml(HEADER_ROW + rows).encode()
    member = ("xl/worksheets/sheet1.xml", sheet, zipfile.ZIP_STORED, 0, len(sheet) + 1000)
    data = hand_zip([*workbook_members(), member])
    assert code_of(data, max_rows=40_000) == "zip_size_mismatch"  # read to the end, the lie is found
    code, seconds, peak = measured(data, max_rows=1000)
    assert code == "too_many_rows"
    assert seconds < 0.5
    assert peak < 50


def test_a_sheet_part_named_like_a_picture_is_still_scanned():
    # calamine parses whatever the workbook points at as a sheet; the name proves nothing.
    far = '<row r="9"><c r="XFD1048576"><v>1</v></c></row>'
    data = raw_xlsx(sheet_xml(HEADER_ROW + far), sheet_path="media/image1.png")
    assert code_of(data) == "too_many_columns"


# ----------------------------------------------------------------------------------------- wrong types

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    ("data", "filename", "actual"),
    [
        (PNG, "报名表.csv", "PNG"),
        (PNG, "报名表.xlsx", "PNG"),
        (b"%PDF-1.7\n...", "报名表.xls", "PDF"),
        (xls_bytes(XLS_HEADER), "报名表.xlsx", ".xls"),
        (xlsx_bytes([HEADER]), "报名表.xls", ".xlsx"),
        (xlsx_bytes([HEADER]), "报名表.csv", ".xlsx"),
        (
            b"<html><body><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table></body></html>",
            "a.xls",
            "XML",
        ),
        (b"MZ\x90\x00\x03\x00\x00\x00", "a.csv", "可执行程序"),
    ],
)
def test_wrong_type_under_a_right_name_is_refused_naming_what_it_is(data, filename, actual):
    with pytest.raises(SpreadsheetRefused) as caught:
        read(data, filename)
    (error,) = caught.value.errors
    assert error.code == "wrong_type"
    assert actual in error.message_zh or actual in error.message_en


def test_a_zip_that_is_not_a_workbook_is_refused_as_wrong_type():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        archive.writestr(
            "[Content_Types].xml",
            f'<Types><Override PartName="/word/document.xml" ContentType="{word}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    assert code_of(out.getvalue()) == "wrong_type"


@pytest.mark.parametrize(
    "filename", ["报名表.xlsm", "报名表.et", "报名表", "报名表.xlsx.exe", "C:\\tmp\\a.txt"]
)
def test_other_extensions_are_refused(filename):
    assert code_of(xlsx_bytes([HEADER]), filename) == "unsupported_extension"


def test_a_windows_path_in_the_file_name_is_reduced_to_its_base_name():
    assert len(read(xlsx_bytes([HEADER, ["张三", ZHANG_ID, "1"]]), "C:\\Users\\王\\报名表.XLSX")) == 1


def test_a_password_protected_xlsx_is_refused_as_encrypted():
    data = ole2_file({"EncryptionInfo": bytes(4096), "EncryptedPackage": bytes(4096)})
    assert code_of(data) == "encrypted"


def test_an_empty_file_is_refused():
    assert code_of(b"", "a.csv") == "file_empty"


def test_a_file_over_max_bytes_is_refused():
    with pytest.raises(SpreadsheetRefused) as caught:
        read(b"x" * (10 * MB + 1), "a.csv")
    (error,) = caught.value.errors
    assert error.code == "file_too_large"
    assert "10 MB" in error.message_zh


def test_a_stream_is_read_no_further_than_one_byte_past_the_limit():
    class Endless(io.RawIOBase):
        consumed = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"a" * len(buffer)
            self.consumed += len(buffer)
            return len(buffer)

    stream = Endless()
    assert code_of(io.BufferedReader(stream, 65536), "a.csv") == "file_too_large"
    assert stream.consumed <= 10 * MB + 65536


# ------------------------------------------------------------------------------------------------ .xls


def test_an_xls_with_a_macro_project_is_refused():
    assert code_of(xls_bytes(XLS_HEADER, storages=["_VBA_PROJECT_CUR"]), "a.xls") == "macro"


def test_an_xls_with_an_excel_4_macro_sheet_is_refused():
    macro_sheet = biff_record(0x0085, struct.pack("<IBBBB", 0, 0, 1, 1, 0) + b"M")
    assert code_of(xls_bytes(XLS_HEADER, extra_globals=macro_sheet), "a.xls") == "macro"


def test_an_xls_formula_is_refused_naming_its_row_and_column():
    cells = [*XLS_HEADER, (1, 0, "张三"), (1, 1, ZHANG_ID), (1, 2, ("formula", 5))]
    assert refused(xls_bytes(cells), "a.xls") == [("formula", 2, "手机号")]


def test_an_xls_value_far_away_is_refused():
    assert code_of(xls_bytes([*XLS_HEADER, (65535, 0, 1.0)]), "a.xls") == "too_many_rows"
    assert code_of(xls_bytes([*XLS_HEADER, (1, 255, 1.0)]), "a.xls") == "too_many_columns"


def test_an_xls_dimensions_record_claiming_billions_of_rows_is_refused():
    assert code_of(xls_bytes(XLS_HEADER, dimensions=(0xFFFFFFF0, 200)), "a.xls") == "too_many_rows"


def test_an_xls_string_table_claiming_more_strings_than_it_holds_is_refused():
    assert code_of(xls_bytes(XLS_HEADER, sst_unique=0x7FFFFFF0), "a.xls") == "zip_size_mismatch"


def test_an_xls_whose_sector_chain_loops_is_refused():
    data = bytearray(xls_bytes(XLS_HEADER))
    # The writer puts the FAT in sector 0 (file offset 512), the directory in sector 1 and the Workbook
    # stream in sectors 2-9: its last sector now points back to its first instead of ending the chain.
    struct.pack_into("<I", data, 512 + 9 * 4, 2)
    code, seconds, _ = measured(bytes(data), "a.xls")
    assert (code, seconds < 1.0) == ("corrupt", True)


def test_an_encrypted_xls_is_refused():
    filepass = biff_record(0x002F, struct.pack("<H", 1) + bytes(52))
    assert code_of(xls_bytes(XLS_HEADER, extra_globals=filepass), "a.xls") == "encrypted"


def test_an_xls_linking_another_workbook_is_refused():
    supbook = biff_record(0x01AE, struct.pack("<HHB", 1, 12, 0) + b"\x01C:salary.xls")
    assert code_of(xls_bytes(XLS_HEADER, extra_globals=supbook), "a.xls") == "external_link"


def test_an_xls_referring_to_itself_is_fine():
    own = biff_record(0x01AE, struct.pack("<HH", 1, 0x0401))
    cells = [*XLS_HEADER, (1, 0, "张三"), (1, 1, ZHANG_ID), (1, 2, "1")]
    assert len(read(xls_bytes(cells, extra_globals=own), "a.xls")) == 1


def test_an_excel_95_file_is_refused_as_old():
    assert code_of(xls_bytes(XLS_HEADER, bof_version=0x0500), "a.xls") == "old_format"


def test_an_ole2_file_without_a_workbook_is_refused():
    assert code_of(ole2_file({"WordDocument": bytes(4096)}), "a.xls") == "corrupt"


# ------------------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("姓名,身份证号\n张三,\x00\n".encode(), "binary_content"),
        ("姓名,身份证号\n张三,\x01\n".encode(), "binary_content"),
        ("姓名,身份证号\n".encode("utf-16"), "encoding"),
        (b"\xff\xfe\xfd,\x80\x80\n", "encoding"),
        ("姓名,身份证号,手机号\n张三,".encode() + b"x" * 200_000 + b"\n", "csv_malformed"),
        (("姓名,身份证号,手机号\n张三,1,2" + ",x" * 60 + "\n").encode(), "too_many_columns"),
    ],
    ids=["NUL", "control character", "UTF-16", "undecodable", "overlong field", "too many columns"],
)
def test_hostile_csv_is_refused(data, code):
    assert code_of(data, "a.csv") == code


# ----------------------------------------------------------------------------------------- the messages


def test_every_message_has_chinese_and_complete_english_and_formats():
    params = {
        "limit": 20000,
        "limit_mb": 10,
        "extension": "csv",
        "actual_zh": "PNG 图片",
        "actual_en": "a PNG image",
        "window": 10,
        "expected_zh": "姓名",
        "expected_en": "Name",
    }
    for code, (zh, en) in MESSAGES.items():
        assert any("\u4e00" <= char <= "\u9fff" for char in zh), code
        assert en.replace("→", "").isascii(), code
        error = cell_error(code, row=3, column="身份证号", **params)
        assert error.code == code
        assert "{" not in error.message_zh + error.message_en, code


def test_a_refusal_is_a_domain_error_carrying_the_first_message():
    from skilleval.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        read(PNG, "a.csv")
    assert caught.value.code == "wrong_type"
    assert caught.value.message.startswith("文件名是 .csv")


def test_messages_never_quote_the_cell_value():
    (row,) = read(xlsx_bytes([HEADER, ["张三", 110105194912310020, "1"]]))
    assert "110105" not in row.errors[0].message_zh + row.errors[0].message_en
    assert COLUMNS  # the shared column specs of test_spreadsheets
