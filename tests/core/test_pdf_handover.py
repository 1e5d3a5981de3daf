"""The certificate handover list (证书交接清单, DOMAIN.md §11) read back with poppler: the institution, the
date, a row per certificate with number, name, masked ID and item, a column to sign, and the receiver's
name line; the header and the page count on every page of a long list."""

import dataclasses
from datetime import date

import pytest

from skilleval.core.pdf.handover import HandoverData, HandoverRow, render_handover_list
from tests.core.test_pdf_application_form import FULL_ID, needs_poppler, pdf_info, pdf_text
from tests.core.test_pdf_roster import squeezed
from tests.core.test_pdf_ticket import assert_inside_the_margins, pages

NAMES = ("张晓明", "李四", "王芳", "欧阳娜娜", "陈一")


def row(n: int, **changes) -> HandoverRow:
    made = HandoverRow(
        number=f"S000031400054264{n:06d}",
        name=NAMES[n % len(NAMES)],
        id_masked=f"310101********{1000 + n}",
        item="计算机程序设计员" if n % 2 else "网络与信息安全管理员（信息安全管理员）",
        level="四级/中级工",
    )
    return dataclasses.replace(made, **changes)


def school_list(count: int, **changes) -> HandoverData:
    data = HandoverData(
        organization="上海市计算技术研究所有限公司",
        institution="静安区职业技术学校",
        date=date(2026, 12, 21),
        rows=tuple(row(n) for n in range(1, count + 1)),
    )
    return dataclasses.replace(data, **changes)


@needs_poppler
def test_the_list_names_every_certificate_with_a_masked_id_and_a_place_to_sign(tmp_path):
    pdf = render_handover_list(school_list(3, receiver_name="王老师", handed_by="陈柜员", reference="000012"))
    text = pdf_text(pdf, tmp_path)
    for expected in (
        "证书交接清单",
        "上海市计算技术研究所有限公司",
        "静安区职业技术学校",
        "2026-12-21",
        "签收",
    ):
        assert expected in text
    for n in (1, 2, 3):
        assert row(n).number in text and row(n).name in text and row(n).id_masked in text
    flat = squeezed(text)
    assert (
        "以上证书共3本" in flat and "接收人：王老师" in flat and "移交人：陈柜员" in flat and "000012" in flat
    )
    assert_inside_the_margins(pdf, tmp_path)


@needs_poppler
def test_the_list_printed_before_the_handover_leaves_the_receiver_to_write_in(tmp_path):
    text = squeezed(pdf_text(render_handover_list(school_list(2)), tmp_path))
    assert "接收人：签字：" in text and "交接单号—" in text


@needs_poppler
def test_a_long_list_runs_over_pages_with_the_header_and_the_count_on_each(tmp_path):
    pdf = render_handover_list(school_list(60))
    assert pages(pdf, tmp_path) == 3
    text = pdf_text(pdf, tmp_path)
    assert text.count("证书交接清单") == 3 and text.count("静安区职业技术学校") == 3
    assert "第 3 页 共 3 页" in text or "第3页共3页" in squeezed(text)
    assert all(row(n).number in text for n in range(1, 61))
    assert squeezed(text).index("以上证书共60本") > squeezed(text).index(row(60).number)
    assert_inside_the_margins(pdf, tmp_path)


@needs_poppler
def test_an_empty_list_says_so_and_no_name_is_in_the_metadata(tmp_path):
    text = pdf_text(render_handover_list(school_list(0)), tmp_path)
    assert "无待交接的证书" in text and "共0本" in squeezed(text)
    info = pdf_info(render_handover_list(school_list(2)), tmp_path)
    assert "证书交接清单" in info and not any(name in info for name in NAMES)


def test_the_list_refuses_a_full_id_number():
    with pytest.raises(ValueError, match="masked"):
        row(1, id_masked=FULL_ID)
