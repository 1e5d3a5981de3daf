"""The certificate (职业技能等级证书, DOMAIN.md §11): one A4 page per certificate, and one file of many for a
batch handed to an institution.

The caller (the certificates area) fills :class:`CertificateData` with display-ready plain values; this module
only lays them out. The national certificate prints the full ID number, so the caller decides what
``id_number`` holds. The QR code carries the caller's signed verification URL as it is; the lookup addresses
at the foot are the national sites where anyone can check the certificate by number and name.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from skilleval.core.pdf.toolkit import (
    baseline,
    draw_photo,
    draw_qr,
    draw_text,
    fit_text,
    register_fonts,
    render_pages,
    text_width,
)

TITLE = "职业技能等级证书"
STATEMENT = "经评价，该同志获得以下职业技能等级。"
QR_CAPTION = "扫码验证"
SEAL_CAPTION = "（评价机构印章）"
REVOKED = "已撤销 / REVOKED"
NUMBER_LENGTH = 22  # filing number (13) + year (2) + level (1) + serial (6), DOMAIN.md §11
NO_WORK_TYPE = "--"


@dataclass(frozen=True)
class CertificateData:
    number: str  # 22 characters, e.g. S000031400054264000001
    name: str
    id_type: str  # 居民身份证
    id_number: str  # as it must be printed: the caller decides masking
    occupation: str  # 计算机程序设计员
    work_type: str  # "--" when none (an empty string prints as "--" too)
    level: str  # 四级/中级工
    issued_on: date
    organization: str  # the evaluation organization, which issues the certificate
    photo_jpeg: bytes | None  # the 1-inch photo; None prints an empty "照片" box
    qr_payload: str  # the signed verification URL, encoded as it is
    lookup_sites: tuple[str, ...] = ("jndj.osta.org.cn", "pjjg.osta.org.cn")
    revoked: bool = False  # draws a diagonal "已撤销 / REVOKED" mark across the page

    def __post_init__(self):
        if len(self.number) != NUMBER_LENGTH or not (self.number.isascii() and self.number.isalnum()):
            raise ValueError(
                f"a certificate number is {NUMBER_LENGTH} letters and digits, not {self.number!r}"
            )
        if not self.name.strip():
            raise ValueError("a certificate needs the holder's name")
        if self.photo_jpeg is not None and not self.photo_jpeg.startswith(b"\xff\xd8"):
            raise ValueError("photo_jpeg must be JPEG data")
        if not self.qr_payload:
            raise ValueError("a certificate needs the QR payload its verification reads")
        if not self.lookup_sites:
            raise ValueError("a certificate names where it can be looked up")


# Page geometry, points.
PAGE_W, PAGE_H = A4
FRAME_OUTER = 10 * mm  # inset of the heavy outer rule
FRAME_INNER = 12.5 * mm  # inset of the thin inner rule
MARGIN_X = 22 * mm  # text keeps this far from the paper's edges, well inside the frame
TOP = PAGE_H - 22 * mm
BOTTOM = 20 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
FRAME_COLOR = (0.55, 0.12, 0.10)  # a deep seal red; prints as a dark grey in black and white

TITLE_SIZE, TITLE_SPACE = 32, 9
STATEMENT_SIZE = 13

PHOTO_W, PHOTO_H = 25 * mm, 35 * mm  # 1-inch
PHOTO_RIGHT = PAGE_W - MARGIN_X - 6 * mm
PHOTO_TOP = TOP - 58 * mm

FIELD_X = MARGIN_X + 10 * mm
FIELD_TOP = PHOTO_TOP
FIELD_PITCH = 13.5 * mm
LABEL_SIZE = 13
LABEL_W = 6 * LABEL_SIZE  # labels are spread to the width of the longest, 职业技能等级
VALUE_X = FIELD_X + LABEL_W + 2 * LABEL_SIZE
VALUE_SIZE, VALUE_ONE_LINE_MIN = 14, 10.5  # a long value shrinks on one line to this size ...
VALUE_TWO_LINE_SIZE, VALUE_MIN = 10.5, 7  # ... then takes two lines, shrinking to this
VALUE_RIGHT_BESIDE_PHOTO = PHOTO_RIGHT - PHOTO_W - 6 * mm
VALUE_RIGHT = PAGE_W - MARGIN_X - 6 * mm

QR_SIZE = 38 * mm  # with its quiet zone; a ~230-character URL is a 57-module symbol of ~0.6 mm modules
SEAL_RADIUS = 20 * mm  # a 40 mm organization seal
ISSUER_X = MARGIN_X + 52 * mm  # the centre of the seal and of the issuer's name under it
ISSUER_W = 96 * mm
FOOTER_SIZE = 10
REVOKED_ANGLE = 38  # degrees; steep enough to cross the fields, not the QR code at the lower right
REVOKED_COLOR = (0.8, 0.05, 0.05)


def render_certificate(data: CertificateData, *, font: str | None = None) -> bytes:
    """The certificate as a one-page A4 PDF. ``font``: a name from
    :func:`~skilleval.core.pdf.toolkit.register_truetype_font` to embed it; STSong-Light otherwise."""
    return _render([data], font or register_fonts(), f"{TITLE} {data.number}")


def render_certificates(items: Iterable[CertificateData], *, font: str | None = None) -> bytes:
    """Many certificates in one PDF, a page each, in the order given (a batch for an institution).

    ``items`` is consumed once, lazily, so a caller can stream rows from a query.
    """
    return _render(items, font or register_fonts(), TITLE)


def _render(items, font: str, title: str) -> bytes:
    return render_pages(items, draw_certificate, font=font, title=title, subject=TITLE, what="certificates")


def draw_certificate(c: Canvas, data: CertificateData, *, font: str | None = None) -> None:
    """Draw one certificate on the current page of ``c``; the caller ends the page."""
    font = font or register_fonts()
    _frame(c)
    # draw_text counts the spacing after the last character too: half of it is given back to centre.
    draw_text(
        c,
        PAGE_W / 2 + TITLE_SPACE / 2,
        TOP - 30 * mm,
        TITLE,
        font,
        TITLE_SIZE,
        align="center",
        bold=True,
        char_space=TITLE_SPACE,
    )
    _title_rule(c, TOP - 37 * mm)
    draw_text(c, FIELD_X, TOP - 50 * mm, STATEMENT, font, STATEMENT_SIZE)
    draw_photo(
        c,
        data.photo_jpeg,
        PHOTO_RIGHT - PHOTO_W,
        PHOTO_TOP - PHOTO_H,
        PHOTO_W,
        PHOTO_H,
        font=font,
        caption="照片",
    )
    _fields(c, data, font)
    _issuer(c, data, font)
    _qr(c, data, font)
    sites = "  ".join(data.lookup_sites)
    draw_text(c, PAGE_W / 2, BOTTOM + 2 * mm, f"证书查询：{sites}", font, FOOTER_SIZE, align="center")
    if data.revoked:
        _revoked_mark(c, font)


def _frame(c: Canvas) -> None:
    c.saveState()
    c.setStrokeColorRGB(*FRAME_COLOR)
    c.setLineWidth(2.2)
    c.rect(FRAME_OUTER, FRAME_OUTER, PAGE_W - 2 * FRAME_OUTER, PAGE_H - 2 * FRAME_OUTER, stroke=1, fill=0)
    c.setLineWidth(0.6)
    c.rect(FRAME_INNER, FRAME_INNER, PAGE_W - 2 * FRAME_INNER, PAGE_H - 2 * FRAME_INNER, stroke=1, fill=0)
    c.restoreState()


def _title_rule(c: Canvas, y: float) -> None:
    """A short double rule under the title, with a small diamond in the middle."""
    half, x = 42 * mm, PAGE_W / 2
    c.saveState()
    c.setStrokeColorRGB(*FRAME_COLOR)
    c.setFillColorRGB(*FRAME_COLOR)
    c.setLineWidth(0.9)
    c.line(x - half, y + 0.6 * mm, x - 3 * mm, y + 0.6 * mm)
    c.line(x + 3 * mm, y + 0.6 * mm, x + half, y + 0.6 * mm)
    c.setLineWidth(0.35)
    c.line(x - half, y - 0.4 * mm, x - 3 * mm, y - 0.4 * mm)
    c.line(x + 3 * mm, y - 0.4 * mm, x + half, y - 0.4 * mm)
    d = 1.6 * mm
    path = c.beginPath()
    path.moveTo(x, y + d)
    path.lineTo(x + d, y)
    path.lineTo(x, y - d)
    path.lineTo(x - d, y)
    path.close()
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


def _fields(c: Canvas, data: CertificateData, font: str) -> None:
    occupation = f"{data.occupation}（{data.work_type or NO_WORK_TYPE}）"
    rows = (
        ("姓名", data.name),
        ("证件类型", data.id_type),
        ("证件号码", data.id_number),
        ("职业（工种）", occupation),
        ("职业技能等级", data.level),
        ("证书编号", data.number),
        ("发证日期", chinese_date(data.issued_on)),
        ("评价机构", data.organization),
    )
    c.saveState()
    c.setStrokeColorRGB(0.55, 0.55, 0.55)
    c.setLineWidth(0.4)
    for i, (name, text) in enumerate(rows):
        middle = FIELD_TOP - (i + 0.5) * FIELD_PITCH
        beside_photo = FIELD_TOP - i * FIELD_PITCH > PHOTO_TOP - PHOTO_H
        right = VALUE_RIGHT_BESIDE_PHOTO if beside_photo else VALUE_RIGHT
        _spread(c, FIELD_X, baseline(middle, LABEL_SIZE), name, font)
        draw_text(c, FIELD_X + LABEL_W, baseline(middle, LABEL_SIZE), "：", font, LABEL_SIZE)
        rule_y = middle - FIELD_PITCH / 2 + 1.5 * mm
        lines, size = _fit_value(text, font, right - VALUE_X)
        if len(lines) == 1:  # on the label's baseline
            draw_text(c, VALUE_X, baseline(middle, LABEL_SIZE), text, font, size)
        else:  # centred between the row's top and the rule, clear of both
            leading = size * 1.2
            first = (middle + FIELD_PITCH / 2 + rule_y) / 2 + leading / 2
            for j, line in enumerate(lines):
                draw_text(c, VALUE_X, baseline(first - j * leading, size), line, font, size)
        c.line(VALUE_X - 1 * mm, rule_y, right, rule_y)
    c.restoreState()


def _spread(c: Canvas, x: float, y: float, name: str, font: str) -> None:
    """A label spread evenly over LABEL_W, so the labels line up at both ends (姓　　　　名)."""
    gaps = max(len(name) - 1, 1)
    space = (LABEL_W - text_width(name, font, LABEL_SIZE)) / gaps
    draw_text(c, x, y, name, font, LABEL_SIZE, char_space=space)


def _fit_value(text: str, font: str, width: float) -> tuple[list[str], float]:
    """A value on one line, shrunk down to VALUE_ONE_LINE_MIN if need be; longer ones on two lines, shrunk
    down to VALUE_MIN and, as a last resort, cut with "…"."""
    size = VALUE_SIZE
    while size > VALUE_ONE_LINE_MIN and text_width(text, font, size) > width:
        size -= 0.5
    if text_width(text, font, size) <= width:
        return [text], size
    return fit_text(text, font, VALUE_TWO_LINE_SIZE, width, 2, VALUE_MIN)


def _issuer(c: Canvas, data: CertificateData, font: str) -> None:
    """The issuing organization and date under an empty, dashed seal circle for the stamp."""
    centre_y = BOTTOM + 58 * mm
    c.saveState()
    c.setStrokeColorRGB(0.45, 0.45, 0.45)
    c.setDash(3, 2.5)
    c.setLineWidth(0.6)
    c.circle(ISSUER_X, centre_y, SEAL_RADIUS, stroke=1, fill=0)
    c.restoreState()
    c.saveState()
    c.setFillColorRGB(0.45, 0.45, 0.45)
    draw_text(c, ISSUER_X, baseline(centre_y, 9), SEAL_CAPTION, font, 9, align="center")
    c.restoreState()
    lines, size = fit_text(data.organization, font, 13, ISSUER_W, 2, 8)
    y = centre_y - SEAL_RADIUS - 8 * mm
    for line in lines:
        draw_text(c, ISSUER_X, y, line, font, size, align="center")
        y -= size * 1.3
    draw_text(c, ISSUER_X, y - 2 * mm, chinese_date(data.issued_on), font, 12, align="center")


def _qr(c: Canvas, data: CertificateData, font: str) -> None:
    # The quiet zone may overhang the photo's right edge: the symbol itself lines up with it.
    x = PHOTO_RIGHT - QR_SIZE + 2.3 * mm  # 4 modules of a 57-module symbol
    y = BOTTOM + 24 * mm
    module = draw_qr(c, data.qr_payload, x, y, QR_SIZE, ec_level="M")
    draw_text(c, x + QR_SIZE / 2, y + 4 * module - 5 * mm, QR_CAPTION, font, 10, align="center")


def _revoked_mark(c: Canvas, font: str) -> None:
    """A large translucent stamp rising across the page over the fields, clear of the QR code and inside the
    margins whatever the font's widths (it shrinks until it fits)."""
    angle = math.radians(REVOKED_ANGLE)
    size, space, pad = 48.0, 3.0, 5 * mm
    while True:
        w = text_width(REVOKED, font, size) + space * (len(REVOKED) - 1) + 2 * pad
        h = size + 2 * pad
        if (w * math.cos(angle) + h * math.sin(angle)) / 2 <= CONTENT_W / 2 - 4 * mm or size <= 20:
            break
        size -= 2
    c.saveState()
    c.setFillColorRGB(*REVOKED_COLOR)
    c.setStrokeColorRGB(*REVOKED_COLOR)
    # Readers (pdftotext, search, screen readers) lose diagonal text: the words stand level at the top too.
    draw_text(c, PAGE_W / 2 + 0.5, TOP - 8 * mm, REVOKED, font, 14, align="center", bold=True, char_space=1)
    c.translate(PAGE_W / 2, FIELD_TOP - 4 * FIELD_PITCH)
    c.rotate(REVOKED_ANGLE)
    c.setFillAlpha(0.65)
    c.setStrokeAlpha(0.65)
    c.setLineWidth(3)
    c.roundRect(-w / 2, -h / 2, w, h, 3 * mm)
    c.setLineWidth(0.8)
    c.roundRect(-w / 2 + 1.8 * mm, -h / 2 + 1.8 * mm, w - 3.6 * mm, h - 3.6 * mm, 2 * mm)
    draw_text(c, space / 2, baseline(0, size), REVOKED, font, size, align="center", char_space=space)
    c.restoreState()


def chinese_date(day: date) -> str:
    """2026年12月15日, as the certificate prints its date."""
    return f"{day.year}年{day.month}月{day.day}日"
