"""Reading good uploads (SECURITY.md "Input and files", issue 4 "Institutions"): every cell comes back as
the text the user typed, keyed by column, with the row number Excel shows.

Personas: 张三 and 李四, whose ID numbers are the examples printed in GB 11643-1999.
"""

import io
from datetime import date, datetime

import openpyxl.xml
import pytest
from openpyxl import Workbook

from skilleval.core.spreadsheets import ColumnSpec, Row, SpreadsheetRefused, read_table
from tests.core.test_spreadsheets_files import inline_row, raw_xlsx, sheet_xml, xls_bytes, xlsx_bytes

ZHANG_ID, LI_ID = "11010519491231002X", "440524188001010014"
COLUMNS = [
    ColumnSpec("name", ("姓名", "Name")),
    ColumnSpec("id_number", ("身份证号", "ID number", "证件号码"), text=True, example=ZHANG_ID),
    ColumnSpec("mobile", ("手机号", "Mobile", "手机号码"), text=True, example="13800138000"),
    ColumnSpec("birth_date", ("出生日期", "Birth date"), required=False),
    ColumnSpec("years", ("工作年限", "Years of work"), required=False),
]
HEADER = ["姓名", "身份证号", "手机号", "出生日期", "工作年限"]
MB = 1024 * 1024


def read(data, filename="报名表.xlsx", *, max_rows=20_000, **options) -> list[Row]:
    return list(
        read_table(data, filename=filename, columns=COLUMNS, max_rows=max_rows, max_bytes=10 * MB, **options)
    )


def refusal(data, filename="报名表.xlsx", **options) -> SpreadsheetRefused:
    with pytest.raises(SpreadsheetRefused) as caught:
        read(data, filename, **options)
    return caught.value


# ------------------------------------------------------------------------------------------------ .xlsx


def test_it_reads_a_template_shaped_workbook_as_text_keyed_by_column():
    data = xlsx_bytes(
        [
            HEADER,
            ["张三", ZHANG_ID, "13800138000", "1949-12-31", "4"],
            ["李四", LI_ID, "13900139000", "", ""],
        ],
        text_columns="BC",
    )
    assert read(data) == [
        Row(
            2,
            {
                "name": "张三",
                "id_number": ZHANG_ID,
                "mobile": "13800138000",
                "birth_date": "1949-12-31",
                "years": "4",
            },
        ),
        Row(3, {"name": "李四", "id_number": LI_ID, "mobile": "13900139000", "birth_date": "", "years": ""}),
    ]


def test_whole_numbers_that_arrive_as_floats_lose_the_point():
    rows = read(
        xlsx_bytes([HEADER, ["张三", ZHANG_ID, 13800138000, None, 4], ["李四", LI_ID, "1", None, 4.0]])
    )
    assert [(r.values["mobile"], r.values["years"]) for r in rows] == [("13800138000", "4"), ("1", "4")]


def test_fractions_are_shown_as_excel_shows_them_not_with_binary_noise():
    rows = read(
        xlsx_bytes([HEADER, ["张三", ZHANG_ID, "1", None, 2.5], ["李四", LI_ID, "1", None, 0.1 + 0.2]])
    )
    assert [r.values["years"] for r in rows] == ["2.5", "0.3"]


def test_an_id_number_stored_as_a_number_is_an_error_asking_for_text_format():
    # Excel keeps 15 significant digits: the number in the file is already 110105194912310000.
    (row,) = read(xlsx_bytes([HEADER, ["张三", 110105194912310020, "13800138000"]]))
    assert row.values["id_number"] == ""
    (error,) = row.errors
    assert (error.row, error.column, error.code) == (2, "身份证号", "number_precision")
    assert "文本" in error.message_zh and "Text" in error.message_en


def test_a_number_in_scientific_notation_is_the_same_error():
    (row,) = read(xlsx_bytes([HEADER, ["张三", 1.1010519491231e17, "13800138000"]]))
    assert [e.code for e in row.errors] == ["number_precision"]


def test_a_fifteen_digit_number_is_exact_and_kept():
    (row,) = read(xlsx_bytes([HEADER, ["张三", 130503670401001, "13800138000"]]))
    assert (row.values["id_number"], row.errors) == ("130503670401001", ())


def test_dates_become_iso_text():
    rows = read(
        xlsx_bytes(
            [
                HEADER,
                ["张三", ZHANG_ID, "1", date(1949, 12, 31)],
                ["李四", LI_ID, "1", datetime(1980, 1, 1)],
                ["王五", ZHANG_ID, "1", datetime(2026, 3, 15, 9, 30)],
            ]
        )
    )
    assert [r.values["birth_date"] for r in rows] == ["1949-12-31", "1980-01-01", "2026-03-15 09:30:00"]


def test_the_header_may_sit_below_a_title_row_and_rows_keep_excel_numbers():
    data = xlsx_bytes([["2026 年第一批团体申报"], [], HEADER, ["张三", ZHANG_ID, "13800138000"]])
    table = read_table(data, filename="a.xlsx", columns=COLUMNS, max_rows=10, max_bytes=MB)
    assert table.header_row == 3
    assert [row.number for row in table] == [4]


def test_english_bilingual_spaced_and_full_width_headers_are_accepted():
    header = [" 姓 名 *", "身份证号 / ID number", "ＭＯＢＩＬＥ", "Birth date", "工作年限（必填）"]
    (row,) = read(xlsx_bytes([header, ["张三", ZHANG_ID, "13800138000", "1949-12-31", "4"]]))
    assert row.values == {
        "name": "张三",
        "id_number": ZHANG_ID,
        "mobile": "13800138000",
        "birth_date": "1949-12-31",
        "years": "4",
    }


def test_a_sheet_written_with_a_namespace_prefix_is_read():
    # The OpenXML SDK (many .NET systems) writes <x:row><x:c r="A1">: the per-cell path reads it.
    rows = inline_row(1, "姓名", "身份证号", "手机号") + inline_row(2, "张三", ZHANG_ID, "13800138000")
    (row,) = read(raw_xlsx(sheet_xml(rows, prefix="x")))
    assert (row.number, row.values["name"], row.values["id_number"]) == (2, "张三", ZHANG_ID)


def test_the_table_reports_the_header_text_the_user_wrote():
    data = xlsx_bytes([["Name", "ID number", "Mobile"], ["张三", ZHANG_ID, "13800138000"]])
    table = read_table(data, filename="a.xlsx", columns=COLUMNS, max_rows=10, max_bytes=MB)
    assert table.headers == {"name": "Name", "id_number": "ID number", "mobile": "Mobile"}
    assert (table.kind, table.sheet_name) == ("xlsx", "报名信息")


def test_blank_rows_between_and_after_the_data_are_skipped():
    workbook = Workbook()
    sheet = workbook.active
    for row in [HEADER, ["张三", ZHANG_ID, "1"], [], ["  ", None, ""], ["李四", LI_ID, "1"]]:
        sheet.append(row)
    for number in range(6, 200):  # formatted but empty rows, as borders drawn down a sheet leave them
        sheet.cell(row=number, column=1).number_format = "@"
    out = io.BytesIO()
    workbook.save(out)
    assert [row.number for row in read(out.getvalue())] == [2, 5]


def test_optional_columns_may_be_absent_and_unknown_columns_are_ignored():
    data = xlsx_bytes(
        [["备注", "姓名", "身份证号", "手机号", "错误 / Errors"], ["x", "张三", ZHANG_ID, "1", "旧错误"]]
    )
    (row,) = read(data)
    assert row.values == {"name": "张三", "id_number": ZHANG_ID, "mobile": "1", "birth_date": "", "years": ""}


def test_strings_are_stripped_of_ideographic_spaces():
    (row,) = read(xlsx_bytes([HEADER, ["\u3000张三 ", f" {ZHANG_ID}\u3000", "1"]]))
    assert (row.values["name"], row.values["id_number"]) == ("张三", ZHANG_ID)


def test_an_overlong_cell_is_an_error_of_that_row():
    (row,) = read(xlsx_bytes([HEADER, ["张" * 300, ZHANG_ID, "1"]]), max_cell_chars=200)
    assert row.values["name"] == ""
    assert [(e.code, e.column) for e in row.errors] == [("cell_too_long", "姓名")]


def test_the_first_visible_sheet_is_read_and_an_instructions_sheet_after_it_is_not():
    workbook = Workbook()
    hidden = workbook.active
    hidden.title = "旧数据"
    hidden.append(["姓名", "身份证号", "手机号"])
    hidden.append(["旧", "x", "x"])
    hidden.sheet_state = "hidden"
    data_sheet = workbook.create_sheet("报名信息")
    data_sheet.append(HEADER)
    data_sheet.append(["张三", ZHANG_ID, "1"])
    workbook.create_sheet("说明").append(["填写说明"])
    out = io.BytesIO()
    workbook.save(out)
    (row,) = read(out.getvalue())
    assert row.values["name"] == "张三"


def test_a_binary_stream_is_accepted_like_bytes():
    data = xlsx_bytes([HEADER, ["张三", ZHANG_ID, "1"]])
    assert read(io.BytesIO(data)) == read(data)


def test_a_table_is_iterated_once():
    table = read_table(
        xlsx_bytes([HEADER, ["张三", ZHANG_ID, "1"]]),
        filename="a.xlsx",
        columns=COLUMNS,
        max_rows=5,
        max_bytes=MB,
    )
    assert len(list(table)) == 1
    with pytest.raises(RuntimeError):
        list(table)


def test_exactly_max_rows_is_accepted():
    rows = [HEADER] + [["张三", ZHANG_ID, "1"]] * 50
    assert len(read(xlsx_bytes(rows), max_rows=50)) == 50


def test_one_row_over_max_rows_is_refused():
    rows = [HEADER] + [["张三", ZHANG_ID, "1"]] * 51
    (error,) = refusal(xlsx_bytes(rows), max_rows=50).errors
    assert error.code == "too_many_rows"
    assert "50" in error.message_zh and "50" in error.message_en


def test_a_missing_required_column_is_refused_naming_every_missing_one():
    errors = refusal(xlsx_bytes([["姓名", "出生日期"], ["张三", "1949-12-31"]])).errors
    assert [(e.code, e.column) for e in errors] == [
        ("missing_column", "身份证号"),
        ("missing_column", "手机号"),
    ]


def test_a_column_given_twice_is_refused():
    errors = refusal(
        xlsx_bytes([["姓名", "身份证号", "手机号", "证件号码"], ["张三", ZHANG_ID, "1", "x"]])
    ).errors
    assert [(e.code, e.column) for e in errors] == [("duplicate_column", "证件号码")]


def test_a_sheet_without_a_header_is_refused_listing_the_expected_headers():
    (error,) = refusal(xlsx_bytes([["a", "b"]] * 20)).errors
    assert error.code == "header_not_found"
    assert "身份证号" in error.message_zh and "ID number" in error.message_en


def test_an_empty_sheet_is_refused():
    assert refusal(xlsx_bytes([])).errors[0].code == "sheet_empty"


def test_openpyxl_parses_xml_through_defusedxml():
    # openpyxl only writes here, but if anything reads with it, entities and DTD tricks are refused.
    assert openpyxl.xml.DEFUSEDXML is True


# -------------------------------------------------------------------------------------------------- .xls


def test_it_reads_an_xls_workbook():
    cells = [(0, i, h) for i, h in enumerate(HEADER)] + [
        (1, 0, "张三"),
        (1, 1, ZHANG_ID),
        (1, 2, 13800138000),
        (1, 3, ("date", 18263.0)),
        (1, 4, 4.0),
        (3, 0, "李四"),
        (3, 1, LI_ID),
        (3, 2, "13900139000"),
    ]
    rows = read(xls_bytes(cells), "报名表.xls")
    assert rows == [
        Row(
            2,
            {
                "name": "张三",
                "id_number": ZHANG_ID,
                "mobile": "13800138000",
                "birth_date": "1949-12-31",
                "years": "4",
            },
        ),
        Row(4, {"name": "李四", "id_number": LI_ID, "mobile": "13900139000", "birth_date": "", "years": ""}),
    ]


def test_an_xls_id_number_stored_as_a_number_is_an_error():
    cells = [(0, i, h) for i, h in enumerate(HEADER)] + [
        (1, 0, "张三"),
        (1, 1, 110105194912310020),
        (1, 2, "1"),
    ]
    (row,) = read(xls_bytes(cells), "a.xls")
    assert [(e.row, e.column, e.code) for e in row.errors] == [(2, "身份证号", "number_precision")]


# --------------------------------------------------------------------------------------------------- CSV

CSV_TEXT = (
    "姓名,身份证号,手机号\r\n张三,11010519491231002X,13800138000\r\n李四,440524188001010014,13900139000\r\n"
)
CSV_ROWS = [
    Row(2, {"name": "张三", "id_number": ZHANG_ID, "mobile": "13800138000", "birth_date": "", "years": ""}),
    Row(3, {"name": "李四", "id_number": LI_ID, "mobile": "13900139000", "birth_date": "", "years": ""}),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_is_read_in_the_encodings_excel_writes_in_china(encoding):
    assert read(CSV_TEXT.encode(encoding), "报名表.csv") == CSV_ROWS


def test_a_tab_separated_csv_is_read():
    assert read(CSV_TEXT.replace(",", "\t").encode(), "a.csv") == CSV_ROWS


def test_a_quoted_cell_spanning_lines_is_one_row_as_in_excel():
    text = '姓名,身份证号,手机号\n"张\n三",11010519491231002X,1\n李四,440524188001010014,2\n'
    rows = read(text.encode(), "a.csv")
    assert [(r.number, r.values["name"]) for r in rows] == [(2, "张\n三"), (3, "李四")]


def test_csv_cells_are_text_even_when_they_look_like_numbers():
    (row,) = read("姓名,身份证号,手机号\n张三,110105194912310020,013800138000\n".encode(), "a.csv")
    assert (row.values["id_number"], row.values["mobile"], row.errors) == (
        "110105194912310020",
        "013800138000",
        (),
    )


def test_csv_over_max_rows_is_refused():
    text = "姓名,身份证号,手机号\n" + "张三,11010519491231002X,1\n" * 11
    assert refusal(text.encode(), "a.csv", max_rows=10).errors[0].code == "too_many_rows"


# ------------------------------------------------------------------------------- batches (speed path)


def test_rows_across_conversion_batches_keep_their_numbers_and_their_errors():
    rows = [HEADER]
    for n in range(2, 3002):
        if n == 1500:
            rows.append([])
        elif n == 2500:
            rows.append(["李四", 440524188001010014, "1", date(1980, 1, 1)])
        else:
            rows.append([f"张{n}", ZHANG_ID, "1", date(1990, 1, 1) if n % 3 else None])
    read_rows = read(xlsx_bytes(rows))
    assert len(read_rows) == 2999
    assert [r.number for r in read_rows[1497:1499]] == [1499, 1501]
    (bad,) = [r for r in read_rows if r.errors]
    assert (bad.number, bad.values["id_number"], bad.errors[0].code) == (2500, "", "number_precision")
    assert read_rows[-1].values == {
        "name": "张3001",
        "id_number": ZHANG_ID,
        "mobile": "1",
        "birth_date": "1990-01-01",
        "years": "",
    }
    assert read_rows[1].values["birth_date"] == ""  # a date column with blanks


def test_an_overlong_cell_in_a_later_batch_is_reported_where_it_is():
    rows = [HEADER] + [["张三", ZHANG_ID, "1"]] * 1500 + [["张三", ZHANG_ID, "1" * 300]]
    bad = [row for row in read(xlsx_bytes(rows), max_cell_chars=100) if row.errors]
    assert [(r.number, r.values["mobile"], r.errors[0].code) for r in bad] == [(1502, "", "cell_too_long")]


def test_csv_records_shorter_than_the_header_read_as_blank_cells():
    (row,) = read("姓名,身份证号,手机号,出生日期\n张三,11010519491231002X\n".encode(), "a.csv")
    assert row.values == {"name": "张三", "id_number": ZHANG_ID, "mobile": "", "birth_date": "", "years": ""}


def test_a_value_just_past_the_row_limit_is_refused_even_inside_the_coarse_prescan_bound():
    # max_rows 100 → values may sit down to row 110; the pre-scan's bound is 199, the exact check is later.
    rows = [HEADER, ["张三", ZHANG_ID, "1"]] + [[]] * 108 + [["李四", LI_ID, "1"]]
    assert refusal(xlsx_bytes(rows), max_rows=100).errors[0].code == "too_many_rows"
