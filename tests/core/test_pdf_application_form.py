"""The application form PDF (DOMAIN.md §4) and the drawing toolkit it shares with later documents.

The PDFs are read back as a person or the counter would: text with poppler's pdftotext, the page rendered
with pdftoppm and the QR code decoded from the picture with zxing-cpp.
"""

import base64
import contextlib
import dataclasses
import io
import re
import shutil
import subprocess
import zlib
from datetime import date, datetime
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from skilleval.core.pdf.application_form import (
    MAX_PLEDGE_CHARS,
    ApplicationFormData,
    CertificateRow,
    EducationRow,
    SubjectFee,
    TitleRow,
    WorkRow,
    render_application_form,
)
from skilleval.core.pdf.toolkit import (
    FONT,
    NO_LINE_END,
    NO_LINE_START,
    _segno_matrix,
    qr_matrix,
    register_fonts,
    register_truetype_font,
    text_width,
    wrap_text,
)

FULL_ID = "310101199505121234"
MASKED_ID = "310101********1234"

needs_poppler = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdftoppm", "pdfinfo")),
    reason="poppler-utils (pdftotext, pdftoppm, pdfinfo) is not installed, so the PDF cannot be read back "
    "here; CI installs it (.ci/run)",
)


def jpeg(width=295, height=413) -> bytes:
    image = Image.new("RGB", (width, height), (70, 130, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.3, height * 0.17, width * 0.7, height * 0.48), fill=(240, 210, 180))
    draw.rectangle((width * 0.17, height * 0.56, width * 0.83, height), fill=(40, 40, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def full_form(**changes) -> ApplicationFormData:
    data = ApplicationFormData(
        application_number="K7MPX2RW4Q",
        organization_name="上海市计算技术研究所有限公司",
        filing_number="S000031400054",
        channel="团体申报",
        institution_name="上海信息技术学校",
        full_name="张晓明",
        sex="男",
        id_type="居民身份证",
        id_number_display=MASKED_ID,
        birth_date=date(1995, 5, 12),
        phone_display="138****5678",
        email="zhang.xiaoming@example.com",
        occupation_code="4-04-05-05",
        occupation_name="人工智能训练师",
        work_type="数据标注员",
        level_label="四级/中级工",
        subjects=(SubjectFee("理论知识考试", "180.00"), SubjectFee("操作技能考核", "270.00")),
        fee_total="450.00",
        generated_at=datetime(2026, 3, 15, 10, 22),
        photo_jpeg=jpeg(),
        education=(
            EducationRow("上海信息技术学校", "中等职业学校", "计算机应用", date(2014, 7, 1)),
            EducationRow("上海开放大学", "大学专科", "计算机信息管理", date(2019, 1, 15)),
        ),
        work=(
            WorkRow(
                "上海某某数据科技有限公司", "数据标注员", "4-04-05-05", date(2019, 3, 1), date(2022, 6, 30)
            ),
            WorkRow("上海智算信息服务有限公司", "数据处理工程师", "4-04-05-05", date(2022, 7, 1), None),
        ),
        certificates=(
            CertificateRow("计算机程序设计员", "五级/初级工", "S000031400054235000123", date(2023, 6, 20)),
        ),
        titles=(TitleRow("助理工程师", "初级", date(2021, 12, 1)),),
        condition_claimed="L4-1",
        eligibility_summary="符合 L4-1：累计从事本职业或相关职业工作满 4 年（已满 6 年 11 个月）。",
        at_counter=True,
    )
    return dataclasses.replace(data, **changes)


def minimal_form() -> ApplicationFormData:
    return ApplicationFormData(
        application_number="ABCD2345EF",
        organization_name="上海市计算技术研究所有限公司",
        filing_number="S000031400054",
        channel="个人申报",
        full_name="李四",
        sex="女",
        id_type="居民身份证",
        id_number_display="310101********002X",
        birth_date=None,
        phone_display="",
        email="",
        occupation_code="4-04-05-01",
        occupation_name="计算机程序设计员",
        level_label="三级/高级工",
        subjects=(SubjectFee("理论知识考试", "200.00"),),
        fee_total="200.00",
        generated_at=datetime(2026, 3, 15, 9, 0),
    )


def poppler(tool: str, *args: str) -> str:
    path = shutil.which(tool)
    assert path, f"{tool} is not installed"
    done = subprocess.run([path, *args], capture_output=True, check=True)
    return done.stdout.decode()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return poppler("pdftotext", "-enc", "UTF-8", str(path), "-")


def pdf_info(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    return poppler("pdfinfo", "-enc", "UTF-8", str(path))


def page_image(pdf: bytes, tmp_path: Path, dpi: int = 60) -> Image.Image:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    poppler("pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(path), str(tmp_path / "page"))
    return Image.open(tmp_path / "page.png")


def decoded_streams(pdf: bytes) -> bytes:
    """Every stream of the file, undone from ASCII85 and Flate where it is encoded so."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        data = stream.strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(data, adobe=True)
        with contextlib.suppress(zlib.error):
            data = zlib.decompress(data)
        out.append(data)
    return b"\n".join(out)


# -- the form ------------------------------------------------------------------------------------------------


@needs_poppler
def test_a_full_form_reads_back_in_chinese_and_never_holds_the_full_id_number(tmp_path):
    pdf = render_application_form(full_form())
    text = pdf_text(pdf, tmp_path)
    for expected in (
        "职业技能等级认定报名表",
        "张晓明",
        "四级/中级工",
        "人工智能训练师（数据标注员）",
        "180.00",
        "270.00",
        "450.00",
        "本人签字",
        "受理人",
        MASKED_ID,
        "138****5678",
        "K7MPX2RW4Q",
        "S000031400054",
        "上海信息技术学校",
        "L4-1",
        "本人承诺所填写信息及提交材料真实有效",
        "2022-07-01 至 今",
        "2026-03-15 10:22",
    ):
        assert expected in text, expected
    assert FULL_ID not in text
    raw = decoded_streams(pdf) + pdf
    assert FULL_ID.encode() not in raw
    assert FULL_ID.encode("utf-16-be") not in raw
    info = pdf_info(pdf, tmp_path)
    assert FULL_ID not in info
    assert "张晓明" not in info  # the metadata names the form and the number, not the person


@needs_poppler
def test_a_minimal_form_has_an_empty_photo_box_and_no_clerk_line(tmp_path):
    text = pdf_text(render_application_form(minimal_form()), tmp_path)
    for expected in ("李四", "三级/高级工", "200.00", "照片", "无", "本人签字", "310101********002X"):
        assert expected in text, expected
    assert "受理人" not in text


@needs_poppler
@pytest.mark.parametrize("make", [full_form, minimal_form], ids=["full", "minimal"])
def test_the_form_is_one_a4_page_whose_qr_code_gives_back_the_application_number(make, tmp_path):
    data = make()
    pdf = render_application_form(data)
    info = pdf_info(pdf, tmp_path)
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    assert re.search(r"^Page size:\s+595\.2\d* x 841\.8\d* pts \(A4\)", info, re.MULTILINE)
    codes = zxingcpp.read_barcodes(page_image(pdf, tmp_path, dpi=60), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [code.text for code in codes] == [data.application_number]


@needs_poppler
def test_the_most_a_form_can_hold_still_fits_one_page(tmp_path):
    long = "上海市浦东新区某某职业技能培训学校附属人工智能数据服务有限责任公司第一分公司" * 4
    data = full_form(
        full_name="阿卜杜热合曼·买买提艾力江·阿不都克热木",
        institution_name=long,
        email="a.very.long.email.address.for.testing@subdomain.example-university.edu.cn",
        eligibility_summary="符合 L4-1：" + "累计从事本职业或相关职业工作满 4 年，" * 12,
        subjects=tuple(SubjectFee(f"第{i}科目考核名称较长的科目", "1,234.00") for i in range(4)),
        education=(EducationRow(long, "技工学校（高级工班）", long, date(2014, 7, 1), "应届"),) * 5,
        work=(WorkRow(long, long, long, date(2019, 3, 1), None),) * 7,
        certificates=(CertificateRow(long, "四级/中级工", "S000031400054235000123" * 3, date(2023, 6, 20)),)
        * 5,
        titles=(TitleRow(long, "高级", date(2021, 12, 1)),) * 4,
        pledge_text=("本人承诺所填写信息及提交材料真实有效。" * 20)[:MAX_PLEDGE_CHARS],
    )
    pdf = render_application_form(data)
    assert re.search(r"^Pages:\s+1$", pdf_info(pdf, tmp_path), re.MULTILINE)
    text = pdf_text(pdf, tmp_path)
    assert "阿卜杜热合曼·买买提艾力江·阿不都克热木" in text.replace("\n", "")  # the middle dot survives
    assert "另有 6 条记录" in text  # work: 7 records, the rest summarised in one row
    codes = zxingcpp.read_barcodes(page_image(pdf, tmp_path), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [code.text for code in codes] == [data.application_number]


def test_the_form_refuses_what_it_cannot_print():
    with pytest.raises(ValueError, match="JPEG"):
        full_form(photo_jpeg=b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match="subjects"):
        full_form(subjects=())
    with pytest.raises(ValueError, match="pledge"):
        full_form(pledge_text="承" * (MAX_PLEDGE_CHARS + 1))
    with pytest.raises(ValueError, match="application number"):
        full_form(application_number="")


# -- the paragraph wrapper -----------------------------------------------------------------------------------


PLEDGE = "本人承诺所填写信息及提交材料真实有效，如有虚假，愿承担取消评价资格、成绩和证书等相应责任。"
MIXED = (
    "符合 L4-1：累计从事本职业或相关职业（4-04-05-05 人工智能训练师）工作满 4 年，联系 "
    "zhang.xiaoming@example.com 或 021-62520070 转 207，Office hours are 9:30–11:00 on working days."
)


@pytest.mark.parametrize("text", [PLEDGE, MIXED, "x" * 300, "a-very-long-unbreakable-token-" * 8])
@pytest.mark.parametrize("width", [40.0, 97.5, 150.0, 480.0])
def test_no_wrapped_line_is_wider_than_the_width_and_nothing_is_lost(text, width):
    font = register_fonts()
    lines = wrap_text(text, font, 10, width)
    assert all(text_width(line, font, 10) <= width + 1e-6 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(line == line.strip() for line in lines)


@pytest.mark.parametrize("width", [float(w) for w in range(40, 205, 5)])
def test_chinese_punctuation_neither_starts_nor_ends_a_line(width):
    font = register_fonts()
    lines = wrap_text(PLEDGE + "详见《参评人员须知》（附件2）。", font, 10, width)
    assert len(lines) > 1
    assert not any(line[0] in NO_LINE_START for line in lines[1:])
    assert not any(line[-1] in NO_LINE_END for line in lines)


def test_latin_words_stay_whole_when_they_fit():
    font = register_fonts()
    lines = wrap_text(MIXED, font, 10, 200)
    for word in ("zhang.xiaoming@example.com", "4-04-05-05", "021-62520070", "working"):
        assert any(word in line for line in lines), word


def test_newlines_are_kept_and_an_empty_text_is_one_empty_line():
    font = register_fonts()
    assert wrap_text("第一行\n第二行", font, 10, 200) == ["第一行", "第二行"]
    assert wrap_text("", font, 10, 200) == [""]


# -- QR codes and fonts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("matrix", [qr_matrix, _segno_matrix], ids=["zxing-cpp", "segno"])
def test_either_qr_encoder_gives_a_symbol_that_decodes(matrix):
    rows = matrix("K7MPX2RW4Q")
    size, scale, quiet = len(rows), 4, 4
    assert all(len(row) == size for row in rows)
    image = Image.new("L", ((size + 2 * quiet) * scale,) * 2, 255)
    for r, row in enumerate(rows):
        for col, pixel in enumerate(row):
            if pixel == 0:
                x, y = (col + quiet) * scale, (r + quiet) * scale
                image.paste(0, (x, y, x + scale, y + scale))
    assert [c.text for c in zxingcpp.read_barcodes(image)] == ["K7MPX2RW4Q"]


def test_a_font_without_truetype_outlines_or_chinese_glyphs_is_refused():
    candidates = {
        "no TrueType outlines": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        "no glyphs for Chinese": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    }
    present = {why: path for why, path in candidates.items() if path.exists()}
    if not present:
        pytest.skip("neither Noto Sans CJK nor DejaVu Sans is installed here")
    for why, path in present.items():
        with pytest.raises(ValueError, match=r"TrueType|Chinese"):
            register_truetype_font(str(path), name=f"test-{why}")


def test_the_builtin_font_is_registered_once():
    assert register_fonts() == FONT
    assert register_fonts() == FONT
