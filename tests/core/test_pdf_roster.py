"""The exam room's papers (DOMAIN.md §8): the sign-in sheet and the seat plan as PDFs, read back with poppler,
and the same roster as a workbook, read back with openpyxl. Photos are there so the invigilator can catch
impersonation (§12 4.4); ID numbers are masked."""

import dataclasses
import io
import re
import zipfile
from datetime import date, time

import pytest
from openpyxl import load_workbook

from skilleval.core.pdf.roster import RosterData, RosterRow, render_seat_plan, render_sign_in_sheet
from skilleval.core.spreadsheets.roster import roster_xlsx
from tests.core.test_pdf_application_form import FULL_ID, decoded_streams, jpeg, needs_poppler, pdf_text
from tests.core.test_pdf_ticket import assert_inside_the_margins, pages

NAMES = ("张晓明", "李四", "王芳", "赵敏", "欧阳娜娜", "陈一", "刘洋")
PHOTO = jpeg(150, 210)


def candidate(seat: int, **changes) -> RosterRow:
    row = RosterRow(
        seat=seat,
        ticket_number=f"2026120{seat:06d}",
        name=NAMES[seat % len(NAMES)],
        id_masked=f"310101********{1000 + seat}",
        photo_jpeg=PHOTO,
        institution="上海信息技术学校" if seat % 2 else "",
    )
    return dataclasses.replace(row, **changes)


def room_3(rows=(), **changes) -> RosterData:
    data = RosterData(
        organization="上海市计算技术研究所有限公司",
        item="计算机程序设计员 四级/中级工",
        subject="理论知识",
        date=date(2026, 12, 15),
        starts=time(9, 0),
        ends=time(10, 30),
        venue="上海市计算技术研究所考点",
        room="第3考场（A305）",
        rows=tuple(rows),
    )
    return dataclasses.replace(data, **changes)


def squeezed(text: str) -> str:
    """pdftotext drops the spaces between Chinese and digits ("第 1 页" reads "第1页"): compare without."""
    return re.sub(r"\s+", "", text)


def seventy() -> RosterData:
    return room_3(candidate(seat) for seat in range(1, 71))


# -- the sign-in sheet ---------------------------------------------------------------------------------------


@needs_poppler
def test_a_sign_in_sheet_of_seventy_runs_over_pages_with_the_header_and_page_count_on_each(tmp_path):
    pdf = render_sign_in_sheet(seventy())
    total = pages(pdf, tmp_path)
    assert total > 1
    sheets = [page for page in pdf_text(pdf, tmp_path).split("\f") if page.strip()]
    assert len(sheets) == total
    for number, page in enumerate(sheets, start=1):
        for expected in ("考场签到表", "计算机程序设计员 四级/中级工", "理论知识", "2026-12-15 09:00-10:30"):
            assert expected in page, (number, expected)
        for heading in ("座位号", "照片", "准考证号", "姓名", "证件号码", "所属机构", "签名", "备注"):
            assert heading in page, (number, heading)
        assert f"第{number}页共{total}页" in squeezed(page)
    assert "应到 70 人" in sheets[-1]
    assert "监考员签名" in sheets[-1]
    assert not any("应到" in page for page in sheets[:-1])
    text = "".join(sheets)
    for seat in range(1, 71):
        assert text.count(f"2026120{seat:06d}") == 1, seat
        assert f"310101********{1000 + seat}" in text
    assert_inside_the_margins(pdf, tmp_path)


@needs_poppler
def test_the_sign_in_sheet_lists_candidates_in_seat_order_whatever_order_they_come_in(tmp_path):
    text = pdf_text(render_sign_in_sheet(room_3([candidate(3), candidate(1), candidate(2)])), tmp_path)
    positions = [text.index(f"2026120{seat:06d}") for seat in (1, 2, 3)]
    assert positions == sorted(positions)
    assert "应到 3 人" in text


@needs_poppler
def test_a_candidate_without_a_photo_and_an_individual_candidate_are_marked(tmp_path):
    rows = [candidate(1, photo_jpeg=None), candidate(2, institution="")]
    text = pdf_text(render_sign_in_sheet(room_3(rows)), tmp_path)
    assert "无照片" in text
    assert "—" in text  # no training institution


@needs_poppler
def test_an_empty_room_still_gives_a_sheet_to_sign_off(tmp_path):
    pdf = render_sign_in_sheet(room_3())
    assert pages(pdf, tmp_path) == 1
    text = pdf_text(pdf, tmp_path)
    assert "本考场无考生" in text and "应到 0 人" in text and "第1页共1页" in squeezed(text)


@needs_poppler
def test_the_sheets_carry_masked_id_numbers_only_and_no_names_in_the_metadata(tmp_path):
    pdf = render_sign_in_sheet(seventy())
    raw = decoded_streams(pdf) + pdf
    assert FULL_ID.encode() not in raw
    assert "张晓明".encode("utf-16-be") not in pdf  # the metadata is not a place for names


# -- the seat plan -----------------------------------------------------------------------------------------


@needs_poppler
def test_the_seat_plan_shows_each_seat_with_its_candidate_and_the_front_of_the_room(tmp_path):
    data = room_3(candidate(seat) for seat in range(1, 35))
    pdf = render_seat_plan(data)
    assert pages(pdf, tmp_path) == 2  # 30 seats to a page
    sheets = [page for page in pdf_text(pdf, tmp_path).split("\f") if page.strip()]
    for number, page in enumerate(sheets, start=1):
        assert "考场座位表" in page
        assert "讲台/front" in squeezed(page) and f"第{number}页共2页" in squeezed(page)
    text = "".join(sheets)
    for row in data.rows:
        assert re.search(rf"^{row.seat}$", text, re.MULTILINE), row.seat
        assert row.ticket_number in text
    assert all(name in text for name in NAMES)
    assert "31" in sheets[1] and "2026120000031" in sheets[1]
    assert_inside_the_margins(pdf, tmp_path)


@needs_poppler
def test_an_empty_seat_keeps_its_place_on_the_plan(tmp_path):
    data = room_3([candidate(1), candidate(3, photo_jpeg=None)])
    text = pdf_text(render_seat_plan(data, columns=4), tmp_path)
    assert "空座" in text  # seat 2
    assert "无照片" in text  # seat 3
    assert re.search(r"^2$", text, re.MULTILINE)


def test_the_roster_refuses_shared_seats_full_id_numbers_and_odd_layouts():
    with pytest.raises(ValueError, match="share a seat"):
        room_3([candidate(1), candidate(1, ticket_number="2026120999999")])
    with pytest.raises(ValueError, match="masked"):
        candidate(1, id_masked=FULL_ID)
    with pytest.raises(ValueError, match="from 1"):
        candidate(0)
    with pytest.raises(ValueError, match="JPEG"):
        candidate(1, photo_jpeg=b"GIF89a")
    with pytest.raises(ValueError, match="columns"):
        render_seat_plan(room_3([candidate(1)]), columns=1)


# -- the workbook ------------------------------------------------------------------------------------------


def workbook_of(data: RosterData):
    return load_workbook(io.BytesIO(roster_xlsx(data)))


def test_the_workbook_has_the_sign_in_sheet_with_the_session_and_the_seat_list():
    rows = [candidate(2), candidate(1, photo_jpeg=None), candidate(3)]
    book = workbook_of(room_3(rows))
    assert book.sheetnames == ["签到表", "座位表"]
    sheet = book["签到表"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "考场签到表"
    details = [value for row in values[1:5] for value in row if value]
    for expected in (
        "上海市计算技术研究所有限公司",
        "计算机程序设计员 四级/中级工",
        "理论知识",
        "2026-12-15 09:00-10:30",
        "上海市计算技术研究所考点",
        "第3考场（A305）",
    ):
        assert expected in details, expected
    header = values.index(["座位号", "照片", "准考证号", "姓名", "证件号码", "所属机构", "签名", "备注"])
    body = values[header + 1 : header + 4]
    assert [row[0] for row in body] == [1, 2, 3]  # seat order, as numbers
    assert body[0][1:6] == ["无照片", "2026120000001", NAMES[1], "310101********1001", "上海信息技术学校"]
    assert body[1][2:6] == ["2026120000002", NAMES[2], "310101********1002", None]
    assert all(row[6] is None for row in body)  # the signature column is left to sign on paper
    assert any(value == "应到 3 人" for row in values[header + 4 :] for value in row)
    seats = [list(row) for row in book["座位表"].iter_rows(values_only=True)]
    assert seats == [
        ["座位号", "准考证号", "姓名"],
        [1, "2026120000001", NAMES[1]],
        [2, "2026120000002", NAMES[2]],
        [3, "2026120000003", NAMES[3]],
    ]


def test_each_photo_is_embedded_in_its_candidates_row_and_the_rows_fit_it():
    rows = [candidate(seat, photo_jpeg=None if seat == 2 else PHOTO) for seat in range(1, 6)]
    sheet = workbook_of(room_3(rows))["签到表"]
    first = next(cell.row for cell in sheet["A"] if cell.value == "座位号") + 1
    anchors = sorted((image.anchor._from.row + 1, image.anchor._from.col) for image in sheet._images)
    # Column B of each candidate's row, and none for seat 2, who has no photo.
    assert anchors == [(first, 1), (first + 2, 1), (first + 3, 1), (first + 4, 1)]
    for image in sheet._images:
        assert image._data()[:2] == b"\xff\xd8"  # the JPEG as given, not re-encoded to PNG
        height_points = image.anchor.ext.height / 12700
        assert height_points < sheet.row_dimensions[image.anchor._from.row + 1].height


def test_a_name_that_looks_like_a_formula_stays_text():
    """SECURITY.md "Input and files": what a candidate typed must not run in the venue's Excel."""
    rows = [candidate(1, name="=1+1", institution='=HYPERLINK("http://evil.example","点击")')]
    data = roster_xlsx(room_3(rows))
    book = load_workbook(io.BytesIO(data))
    for sheet_name, column in (("签到表", 4), ("座位表", 3)):
        sheet = book[sheet_name]
        cell = next(c for row in sheet.iter_rows() for c in row if c.value == "=1+1")
        assert cell.column == column
        assert (cell.data_type, cell.quotePrefix) == ("s", True)
    parts = zipfile.ZipFile(io.BytesIO(data))
    for name in parts.namelist():
        if name.startswith("xl/worksheets/sheet"):
            assert "<f>" not in parts.read(name).decode()
