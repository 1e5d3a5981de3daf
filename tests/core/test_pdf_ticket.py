"""The admission ticket PDF (DOMAIN.md §7), read back as the candidate and the check-in desk (§8) would: the
text with pdftotext, the page rendered with pdftoppm and the QR code decoded from the picture."""

import dataclasses
import re
import shutil
import subprocess
from datetime import date, time
from pathlib import Path

import pytest
import zxingcpp

from skilleval.core.pdf.ticket import (
    BOTTOM,
    DEFAULT_RULES,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    TicketData,
    TicketSubject,
    render_ticket,
    render_tickets,
)
from tests.core.test_pdf_application_form import (
    FULL_ID,
    MASKED_ID,
    decoded_streams,
    jpeg,
    needs_poppler,
    page_image,
    pdf_info,
    pdf_text,
)

THEORY = TicketSubject(
    subject="理论知识",
    date=date(2026, 12, 15),
    starts=time(9, 0),
    ends=time(10, 30),
    venue="上海市计算技术研究所考点",
    address="上海市长宁区愚园路546号",
    room="第3考场（A305）",
    seat=17,
)
PRACTICE = TicketSubject(
    subject="操作技能",
    date=date(2026, 12, 16),
    starts=time(13, 30),
    ends=time(15, 0),
    venue="上海市计算技术研究所考点",
    address="上海市长宁区愚园路546号",
    room="机房2（B201）",
    seat=8,
)


def zhang_ticket(**changes) -> TicketData:
    data = TicketData(
        number="2026120100017",
        name="张晓明",
        id_masked=MASKED_ID,
        photo_jpeg=jpeg(),
        occupation="计算机程序设计员",
        occupation_code="4-04-05-01",
        work_type="",
        level="四级/中级工",
        subjects=(THEORY,),
        organization="上海市计算技术研究所有限公司",
        filing_number="S000031400054",
        rules=DEFAULT_RULES,
        issued_on=date(2026, 12, 8),
    )
    return dataclasses.replace(data, **changes)


def pages(pdf: bytes, tmp_path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)$", pdf_info(pdf, tmp_path), re.MULTILINE).group(1))


def qr_codes(pdf: bytes, tmp_path: Path, dpi: int = 72) -> list[str]:
    codes = zxingcpp.read_barcodes(page_image(pdf, tmp_path, dpi=dpi), formats=zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in codes]


def word_boxes(pdf: bytes, tmp_path: Path) -> list[tuple[float, float, float, float, str]]:
    """Every word pdftotext finds, as (x min, y min, x max, y max, text), y measured down from the top."""
    path = tmp_path / "boxes.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        [shutil.which("pdftotext"), "-bbox", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    return [
        (float(x0), float(y0), float(x1), float(y1), text)
        for x0, y0, x1, y1, text in re.findall(pattern, done.stdout.decode())
    ]


def assert_inside_the_margins(pdf: bytes, tmp_path: Path) -> None:
    for x0, _, x1, y1, text in word_boxes(pdf, tmp_path):
        assert y1 <= PAGE_H - BOTTOM + 0.5, f"{text!r} runs into the bottom margin"
        assert x0 >= MARGIN_X - 0.5 and x1 <= PAGE_W - MARGIN_X + 0.5, f"{text!r} runs into a side margin"


# -- what the ticket says ----------------------------------------------------------------------------------


@needs_poppler
def test_a_ticket_reads_back_in_chinese_with_the_masked_id_number_only(tmp_path):
    """§7: number, name, photo, masked ID, occupation, level, the sitting (date, time, venue, room, seat),
    the rules in short."""
    pdf = render_ticket(zhang_ticket(work_type="数据标注员"))
    text = pdf_text(pdf, tmp_path)
    for expected in (
        "职业技能等级认定准考证",
        "上海市计算技术研究所有限公司",
        "S000031400054",
        "2026120100017",
        "张晓明",
        MASKED_ID,
        "计算机程序设计员（数据标注员）",
        "4-04-05-01",
        "四级/中级工",
        "理论知识",
        "2026-12-15",
        "星期二",
        "09:00-10:30",
        "上海市计算技术研究所考点",
        "上海市长宁区愚园路546号",
        "第3考场（A305）",
        "17",
        "考生须知",
        "本准考证仅限本人本次考试使用，请妥善保管，不得涂改。",
        "入场扫码 / check-in",
    ):
        assert expected in text, expected
    assert FULL_ID not in text
    raw = decoded_streams(pdf) + pdf
    assert FULL_ID.encode() not in raw
    info = pdf_info(pdf, tmp_path)
    assert "2026120100017" in info
    assert "张晓明" not in info  # the metadata names the document and its number, not the person


@needs_poppler
def test_the_ticket_is_one_a4_page_whose_qr_code_gives_back_the_ticket_number(tmp_path):
    pdf = render_ticket(zhang_ticket())
    info = pdf_info(pdf, tmp_path)
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    assert re.search(r"^Page size:\s+595\.2\d* x 841\.8\d* pts \(A4\)", info, re.MULTILINE)
    assert qr_codes(pdf, tmp_path, dpi=60) == ["2026120100017"]


@needs_poppler
def test_the_qr_code_carries_the_callers_payload_when_there_is_one(tmp_path):
    payload = "SKT1.2026120100017.Zq8kQm3VtN2xW7rP"
    assert qr_codes(render_ticket(zhang_ticket(qr_payload=payload)), tmp_path, dpi=100) == [payload]


@needs_poppler
def test_a_ticket_with_two_subjects_lists_both_sittings(tmp_path):
    text = pdf_text(render_ticket(zhang_ticket(subjects=(THEORY, PRACTICE))), tmp_path)
    for expected in (
        "理论知识",
        "操作技能",
        "2026-12-15",
        "2026-12-16",
        "09:00-10:30",
        "13:30-15:00",
        "第3考场（A305）",
        "机房2（B201）",
    ):
        assert expected in text, expected
    assert re.search(r"^17$", text, re.MULTILINE) and re.search(r"^8$", text, re.MULTILINE)


@needs_poppler
def test_a_ticket_without_a_photo_says_so_in_the_photo_box(tmp_path):
    pdf = render_ticket(zhang_ticket(photo_jpeg=None))
    assert "无照片" in pdf_text(pdf, tmp_path)
    assert qr_codes(pdf, tmp_path) == ["2026120100017"]


@needs_poppler
def test_a_long_list_of_rules_is_set_smaller_and_still_fits_the_page(tmp_path):
    rules = tuple(
        f"第{i}条：考生须凭准考证和有效身份证件参加考试，遵守考场纪律，服从监考人员管理，违者按规定处理。" * 2
        for i in range(1, 15)
    )
    rules += ("最后一条：请妥善保管。",)
    data = zhang_ticket(subjects=(THEORY, PRACTICE, THEORY, PRACTICE), rules=rules)
    pdf = render_ticket(data)
    assert pages(pdf, tmp_path) == 1
    assert "最后一条：请妥善保管。" in pdf_text(pdf, tmp_path)
    assert_inside_the_margins(pdf, tmp_path)
    assert qr_codes(pdf, tmp_path) == ["2026120100017"]


@needs_poppler
def test_rules_that_cannot_fit_even_small_are_cut_with_an_ellipsis_inside_the_page(tmp_path):
    rules = tuple(f"第{i}条：" + "考生须遵守考场纪律，服从监考人员管理。" * 8 for i in range(1, 41))
    pdf = render_ticket(zhang_ticket(subjects=(THEORY, PRACTICE) * 2, rules=rules))
    assert pages(pdf, tmp_path) == 1
    text = pdf_text(pdf, tmp_path)
    assert "第1条" in text and "……" in text and "第40条" not in text
    assert_inside_the_margins(pdf, tmp_path)


@needs_poppler
def test_the_default_ticket_stays_inside_the_margins(tmp_path):
    assert_inside_the_margins(render_ticket(zhang_ticket(subjects=(THEORY, PRACTICE))), tmp_path)


# -- an institution's combined file ------------------------------------------------------------------------


@needs_poppler
def test_a_combined_file_has_one_page_per_ticket_in_the_order_given(tmp_path):
    numbers = ["2026120100001", "2026120100002", "2026120100003"]
    names = ["张晓明", "李四", "王芳"]

    def tickets():  # a generator, as a caller streaming rows from a query passes one
        for number, name in zip(numbers, names, strict=True):
            yield zhang_ticket(number=number, name=name)

    pdf = render_tickets(tickets())
    assert pages(pdf, tmp_path) == 3
    text_pages = pdf_text(pdf, tmp_path).split("\f")
    assert len([page for page in text_pages if page.strip()]) == 3
    for page, number, name in zip(text_pages, numbers, names, strict=False):
        assert number in page and name in page
    assert qr_codes(pdf, tmp_path) == [numbers[0]]  # page_image renders the first page


def test_a_combined_file_of_no_tickets_is_refused():
    with pytest.raises(ValueError, match="no tickets"):
        render_tickets(iter(()))


# -- what a ticket refuses to print ------------------------------------------------------------------------


def test_the_ticket_refuses_a_full_id_number_and_what_it_cannot_print():
    with pytest.raises(ValueError, match="masked"):
        zhang_ticket(id_masked=FULL_ID)
    with pytest.raises(ValueError, match="JPEG"):
        zhang_ticket(photo_jpeg=b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match="subjects"):
        zhang_ticket(subjects=())
    with pytest.raises(ValueError, match="ticket number"):
        zhang_ticket(number="")
