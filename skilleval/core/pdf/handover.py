"""The certificate handover list (证书交接清单, DOMAIN.md §11): group certificates handed to an institution in
one batch, the receiver signing for them.

It is printed twice: before the handover, to count the certificates out and have the receiver sign (no
receiver's name yet), and afterwards as the record of a handover, with the receiver's name and who handed the
certificates over. The caller fills :class:`HandoverData` with display-ready plain values; ID numbers are
masked: the list goes home with the receiver.
"""

import io
from dataclasses import dataclass, replace
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from skilleval.core.pdf.toolkit import (
    GridStyle,
    draw_grid,
    draw_text,
    fit_text,
    label,
    register_fonts,
    text_width,
    value,
)

TITLE = "证书交接清单"
NONE_WAITING = "无待交接的证书"


@dataclass(frozen=True)
class HandoverRow:
    number: str  # the 22-character certificate number
    name: str
    id_masked: str  # 310101********1234: never the full number
    item: str  # 计算机程序设计员（数据标注员）
    level: str  # 四级/中级工

    def __post_init__(self):
        if "*" not in self.id_masked:
            raise ValueError("a handover list carries masked ID numbers only")


@dataclass(frozen=True)
class HandoverData:
    organization: str
    institution: str
    date: date
    rows: tuple[HandoverRow, ...]
    receiver_name: str = ""  # "" before the handover: the line is left blank to write on
    handed_by: str = ""
    reference: str = ""  # the handover's record number once it exists, "" on the list printed before


# Page geometry, points.
PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
TOP = PAGE_H - 12 * mm
BOTTOM = 12 * mm
FOOTER_H = 6 * mm  # "第 x 页 共 y 页"

HEADER = GridStyle(size=9.5, row_height=7 * mm, max_lines=1, min_size=7, pad=2.5)
TABLE = GridStyle(size=9, row_height=9 * mm, max_lines=2, min_size=6.5, pad=2)
COLUMNS = (  # heading, width in mm; the item takes what is left
    ("序号", 10),
    ("证书编号", 44),
    ("姓名", 20),
    ("证件号码", 33),
    ("职业（工种）/ 等级", 0),
    ("签收", 22),
)
SIGN_OFF_H = 44 * mm  # the count and the signatures under the last table


def render_handover_list(data: HandoverData, *, font: str | None = None) -> bytes:
    """The rows in the order given, the header on every page, the count and the signatures after the last
    row; the table runs over as many pages as it needs."""
    font = font or register_fonts()
    widths = [w * mm for _, w in COLUMNS]
    widths[4] = CONTENT_W - sum(widths)
    table_top = _header_bottom() - 3 * mm
    room = table_top - TABLE.row_height - BOTTOM - FOOTER_H  # below the column headings
    per_page = max(1, int(room // TABLE.row_height))
    per_last = max(1, int((room - SIGN_OFF_H) // TABLE.row_height))
    rows = list(enumerate(data.rows, start=1))
    pages = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]
    if len(pages[-1]) > per_last:  # the signatures need room under the table: the last rows move on
        last = pages[-1]
        pages[-1:] = [last[:per_last], last[per_last:]]

    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font)
    c.setTitle(f"{TITLE} {data.date:%Y-%m-%d}")  # no personal data in the metadata
    c.setSubject(TITLE)
    c.setCreator(data.organization)
    c.setAuthor(data.organization)
    for number, chunk in enumerate(pages, start=1):
        y = _header(c, data, font)
        y = _rows(c, chunk, y - 3 * mm, widths, font)
        if number == len(pages):
            _sign_off(c, data, y, font)
        draw_text(
            c, PAGE_W / 2, BOTTOM + 1 * mm, f"第 {number} 页 共 {len(pages)} 页", font, 9, align="center"
        )
        c.showPage()
    c.save()
    return buffer.getvalue()


_HEADER_ROWS = 2


def _header_bottom() -> float:
    return TOP - 22 * mm - _HEADER_ROWS * HEADER.row_height


def _header(c: Canvas, data: HandoverData, font: str) -> float:
    middle = PAGE_W / 2
    draw_text(c, middle, TOP - 5 * mm, data.organization, font, 10.5, align="center")
    draw_text(c, middle, TOP - 15 * mm, TITLE, font, 18, align="center", bold=True, char_space=3)
    label_w = 22 * mm
    widths = [label_w, 84 * mm, label_w, CONTENT_W - 2 * label_w - 84 * mm]
    rows = [
        [label("接收单位"), value(data.institution), label("交接日期"), value(f"{data.date:%Y-%m-%d}")],
        [
            label("证书数量"),
            value(f"{len(data.rows)} 本"),
            label("交接单号"),
            value(data.reference or "—"),
        ],
    ]
    return draw_grid(c, MARGIN_X, TOP - 22 * mm, widths, rows, replace(HEADER, font=font))


def _rows(
    c: Canvas, chunk: list[tuple[int, HandoverRow]], top: float, widths: list[float], font: str
) -> float:
    style = replace(TABLE, font=font)
    y = draw_grid(c, MARGIN_X, top, widths, [[label(h) for h, _ in COLUMNS]], style)
    if not chunk:
        return draw_grid(
            c, MARGIN_X, y, widths, [[value(NONE_WAITING, span=len(COLUMNS), align="center")]], style
        )
    cells = [
        [
            value(str(index), align="center"),
            value(row.number, align="center"),
            value(row.name, align="center"),
            value(row.id_masked, align="center"),
            value(f"{row.item} {row.level}"),
            value(""),
        ]
        for index, row in chunk
    ]
    return draw_grid(c, MARGIN_X, y, widths, cells, style)


def _sign_off(c: Canvas, data: HandoverData, top: float, font: str) -> None:
    """The count, then a line each for who handed over and who received (name, signature) and the date."""
    x0 = MARGIN_X + 2 * mm
    y = top - 8 * mm
    draw_text(c, x0, y, f"以上证书共 {len(data.rows)} 本，已当面点清，核对无误。", font, 10.5)
    for caption, name in (("移交人：", data.handed_by), ("接收人：", data.receiver_name)):
        y -= 10 * mm
        x = _blank(c, x0, y, caption, 45 * mm, font, written=name)
        _blank(c, x + 12 * mm, y, "签字：", 45 * mm, font)
    y -= 10 * mm
    _blank(c, x0, y, "日期：", 45 * mm, font)


def _blank(
    c: Canvas, x: float, y: float, caption: str, width: float, font: str, *, written: str = ""
) -> float:
    """A caption and an underlined space, with ``written`` already on it; return the x where it ends."""
    size = 10.5
    draw_text(c, x, y, caption, font, size)
    x += text_width(caption, font, size) + 1 * mm
    if written:
        lines, fitted = fit_text(written, font, size, width - 2 * mm, 1, 7)
        draw_text(c, x + 1 * mm, y, lines[0], font, fitted)
    c.saveState()
    c.setLineWidth(0.5)
    c.line(x, y - 1.5, x + width, y - 1.5)
    c.restoreState()
    return x + width
