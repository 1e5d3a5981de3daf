"""The certificate PDF (DOMAIN.md §11), read back as the holder, an employer and a verifier would: the text
with pdftotext, the page rendered with pdftoppm and the QR code decoded from the picture with zxing-cpp."""

import dataclasses
import re
from datetime import date
from pathlib import Path

import pytest

from skilleval.core.pdf.certificate import (
    BOTTOM,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    PHOTO_RIGHT,
    PHOTO_W,
    TOP,
    CertificateData,
    render_certificate,
    render_certificates,
)
from tests.core.test_pdf_application_form import FULL_ID, jpeg, needs_poppler, pdf_info, pdf_text
from tests.core.test_pdf_ticket import pages, qr_codes, word_boxes

NUMBER = "S000031400054264000001"
# What the certificates area puts in the code: a verification URL with a signed statement (an Ed25519
# signature, base64url), 230 characters, the size the QR code is laid out for.
PAYLOAD = (
    "https://verify.sicri.example.cn/c/v1?no=S000031400054264000001&name=%E5%BC%A0%E6%99%93%E6%98%8E"
    "&date=20261215&lvl=4&kid=2026-01&site=400054"
    "&sig=DHyRI_F4lidONBo6VHyUovSyy0kfPw0Exw4WLtlndr43QbEEKmKTlwQO4zqteS6NHDcLcBHrZ5W7es5atFH8Jw"
)
LONG_NAME = "阿卜杜热合曼·买买提依明·艾力江·吐尔逊托合提·阿不都热西提"
LONG_OCCUPATION = "人工智能训练师（数据标注与算法测试综合应用方向）高级专项"
LONG_ORGANIZATION = "上海市计算技术研究所有限公司职业技能等级认定评价中心（长宁分中心）培训与考核部"


def zhang_certificate(**changes) -> CertificateData:
    data = CertificateData(
        number=NUMBER,
        name="张晓明",
        id_type="居民身份证",
        id_number=FULL_ID,
        occupation="计算机程序设计员",
        work_type="--",
        level="四级/中级工",
        issued_on=date(2026, 12, 15),
        organization="上海市计算技术研究所有限公司",
        photo_jpeg=jpeg(),
        qr_payload=PAYLOAD,
    )
    return dataclasses.replace(data, **changes)


def assert_inside_the_margins(pdf: bytes, tmp_path: Path) -> None:
    for x0, y0, x1, y1, text in word_boxes(pdf, tmp_path):
        assert y0 >= PAGE_H - TOP - 0.5, f"{text!r} runs into the top margin"
        assert y1 <= PAGE_H - BOTTOM + 0.5, f"{text!r} runs into the bottom margin"
        assert x0 >= MARGIN_X - 0.5 and x1 <= PAGE_W - MARGIN_X + 0.5, f"{text!r} runs into a side margin"


def boxes_of(pdf: bytes, tmp_path: Path, fragment: str) -> list[tuple[float, float, float, float, str]]:
    return [box for box in word_boxes(pdf, tmp_path) if fragment in box[4]]


# -- what the certificate says -----------------------------------------------------------------------------


def test_the_payload_is_as_long_as_a_signed_verification_url():
    assert len(PAYLOAD) == 230


@needs_poppler
def test_a_certificate_reads_back_with_every_field_of_the_national_certificate(tmp_path):
    """§11: title exactly 职业技能等级证书; name, ID type and number, occupation (work type), level, number,
    issue date, organization; the lookup addresses."""
    pdf = render_certificate(zhang_certificate())
    text = pdf_text(pdf, tmp_path)
    assert re.search(r"^职业技能等级证书$", text, re.MULTILINE)
    for expected in (
        "经评价，该同志获得以下职业技能等级。",
        "张晓明",
        "居民身份证",
        FULL_ID,
        "计算机程序设计员（--）",
        "四级/中级工",
        NUMBER,
        "2026年12月15日",
        "上海市计算技术研究所有限公司",
        "jndj.osta.org.cn",
        "pjjg.osta.org.cn",
        "扫码验证",
        "（评价机构印章）",
    ):
        assert expected in text, expected
    assert "已撤销" not in text
    info = pdf_info(pdf, tmp_path)
    assert NUMBER in info
    assert "张晓明" not in info and FULL_ID not in info  # the metadata names the document, not the person


@needs_poppler
def test_the_certificate_is_one_a4_page_whose_qr_code_gives_back_the_signed_url(tmp_path):
    pdf = render_certificate(zhang_certificate())
    info = pdf_info(pdf, tmp_path)
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    assert re.search(r"^Page size:\s+595\.2\d* x 841\.8\d* pts \(A4\)", info, re.MULTILINE)
    assert qr_codes(pdf, tmp_path, dpi=150) == [PAYLOAD]


@pytest.mark.parametrize(
    ("work_type", "printed"),
    [
        ("--", "计算机程序设计员（--）"),
        ("", "计算机程序设计员（--）"),
        ("数据标注员", "计算机程序设计员（数据标注员）"),
    ],
)
@needs_poppler
def test_the_work_type_is_printed_after_the_occupation_and_as_dashes_when_there_is_none(
    work_type, printed, tmp_path
):
    """§11: work type `--` if none."""
    assert printed in pdf_text(render_certificate(zhang_certificate(work_type=work_type)), tmp_path)


@needs_poppler
def test_the_lookup_line_names_the_sites_the_caller_gives(tmp_path):
    pdf = render_certificate(zhang_certificate(lookup_sites=("zs.example.gov.cn",)))
    text = pdf_text(pdf, tmp_path)
    assert "证书查询：zs.example.gov.cn" in text
    assert "osta.org.cn" not in text


@needs_poppler
def test_a_certificate_without_a_photo_shows_an_empty_photo_box(tmp_path):
    pdf = render_certificate(zhang_certificate(photo_jpeg=None))
    assert re.search(r"^照片$", pdf_text(pdf, tmp_path), re.MULTILINE)
    assert qr_codes(pdf, tmp_path, dpi=150) == [PAYLOAD]


# -- revocation ---------------------------------------------------------------------------------------------


@needs_poppler
def test_a_revoked_certificate_says_so_across_the_page_and_its_code_still_reads(tmp_path):
    """§11: a certificate resting on misconduct is revoked; a print of it must not pass for a valid one."""
    pdf = render_certificate(zhang_certificate(revoked=True))
    text = pdf_text(pdf, tmp_path)
    assert "已撤销 / REVOKED" in text
    assert NUMBER in text and "张晓明" in text
    assert qr_codes(pdf, tmp_path, dpi=150) == [PAYLOAD]
    assert_inside_the_margins(pdf, tmp_path)


# -- long values --------------------------------------------------------------------------------------------


@needs_poppler
def test_the_default_certificate_stays_inside_the_margins(tmp_path):
    assert_inside_the_margins(render_certificate(zhang_certificate()), tmp_path)


@needs_poppler
def test_a_somewhat_long_occupation_shrinks_on_its_line_rather_than_wrapping(tmp_path):
    occupation = "人工智能训练师（智能系统运维综合方向）"
    pdf = render_certificate(zhang_certificate(occupation=occupation, work_type="数据标注员"))
    assert f"{occupation}（数据标注员）" in pdf_text(pdf, tmp_path).splitlines()
    (long_box,) = boxes_of(pdf, tmp_path, occupation)
    (level_box,) = boxes_of(pdf, tmp_path, "四级/中级工")
    assert long_box[3] - long_box[1] < level_box[3] - level_box[1]  # set smaller
    assert_inside_the_margins(pdf, tmp_path)


@needs_poppler
def test_a_long_name_occupation_and_organization_still_fit_the_page_and_miss_the_photo(tmp_path):
    data = zhang_certificate(
        name=LONG_NAME, occupation=LONG_OCCUPATION, work_type="数据标注员", organization=LONG_ORGANIZATION
    )
    pdf = render_certificate(data)
    assert pages(pdf, tmp_path) == 1
    flat = "".join(pdf_text(pdf, tmp_path).split())
    for expected in (LONG_NAME, f"{LONG_OCCUPATION}（数据标注员）", LONG_ORGANIZATION):
        assert expected in flat, expected
    # The name sits beside the photo: its lines end before the photo box begins.
    name_boxes = [box for box in word_boxes(pdf, tmp_path) if box[4].startswith(("阿卜杜", "不都热西提"))]
    assert len(name_boxes) == 2
    assert all(x1 <= PHOTO_RIGHT - PHOTO_W for _, _, x1, _, _ in name_boxes)
    assert_inside_the_margins(pdf, tmp_path)
    assert qr_codes(pdf, tmp_path, dpi=150) == [PAYLOAD]


# -- a batch ------------------------------------------------------------------------------------------------


@needs_poppler
def test_a_batch_has_one_page_per_certificate_in_the_order_given(tmp_path):
    numbers = [f"S00003140005426400000{i}" for i in (1, 2, 3)]
    names = ["张晓明", "李四", "王芳"]

    def certificates():  # a generator, as a caller streaming rows from a query passes one
        for number, name in zip(numbers, names, strict=True):
            yield zhang_certificate(number=number, name=name)

    pdf = render_certificates(certificates())
    assert pages(pdf, tmp_path) == 3
    text_pages = [page for page in pdf_text(pdf, tmp_path).split("\f") if page.strip()]
    assert len(text_pages) == 3
    for page, number, name in zip(text_pages, numbers, names, strict=True):
        assert number in page and name in page
    assert "张晓明" not in pdf_info(pdf, tmp_path)


def test_a_batch_of_no_certificates_is_refused():
    with pytest.raises(ValueError, match="no certificates"):
        render_certificates(iter(()))


# -- what a certificate refuses to print --------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["S00003140005426400001", "S0000314000542640000012", "S000031400054264 00001", "S00003140005426400000１"],
)
def test_a_certificate_number_must_be_22_letters_and_digits(number):
    """§11: 13 (filing number) + 2 (year) + 1 (level) + 6 (serial)."""
    with pytest.raises(ValueError, match="22"):
        zhang_certificate(number=number)


def test_the_certificate_refuses_what_it_cannot_print():
    with pytest.raises(ValueError, match="name"):
        zhang_certificate(name="  ")
    with pytest.raises(ValueError, match="JPEG"):
        zhang_certificate(photo_jpeg=b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match="QR"):
        zhang_certificate(qr_payload="")
    with pytest.raises(ValueError, match="looked up"):
        zhang_certificate(lookup_sites=())
