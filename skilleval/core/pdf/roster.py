"""The papers of one exam room for one subject (DOMAIN.md §8): the sign-in sheet (签到表) the candidates sign
and the invigilators total, and the seat plan (座位表) posted at the door, both with photos so impersonation
shows (§12 4.4).

The caller fills :class:`RosterData` with display-ready plain values, the rows in seat order or not (they are
sorted here). Only masked ID numbers are printed: the sheets lie on a desk all day.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, time

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from skilleval.core.pdf.toolkit import (
    GridStyle,
    baseline,
    draw_grid,
    draw_photo,
    draw_text,
    fit_text,
    label,
    register_fonts,
    text_width,
    value,
)

SIGN_IN_TITLE = "考场签到表"
SEAT_PLAN_TITLE = "考场座位表"
FRONT = "讲台 / front"


@dataclass(frozen=True)
class RosterRow:
    seat: int
    ticket_number: str
    name: str
    id_masked: str  # 310101********1234: never the full number
    photo_jpeg: bytes | None
    institution: str = ""  # the training institution; "" for individual candidates

    def __post_init__(self):
        if self.seat < 1:
            raise ValueError("seats are numbered from 1")
        if "*" not in self.id_masked:
            raise ValueError("a roster carries masked ID numbers only")
        if self.photo_jpeg is not None and not self.photo_jpeg.startswith(b"\xff\xd8"):
            raise ValueError("photo_jpeg must be JPEG data")


@dataclass(frozen=True)
class RosterData:
    organization: str
    item: str  # 计算机程序设计员 四级/中级工
    subject: str  # 理论知识
    date: date
    starts: time
    ends: time
    venue: str
    room: str
    rows: tuple[RosterRow, ...]

    def __post_init__(self):
        seats = [row.seat for row in self.rows]
        if len(set(seats)) != len(seats):
            raise ValueError("two candidates share a seat")

    @property
    def by_seat(self) -> list[RosterRow]:
        return sorted(self.rows, key=lambda row: row.seat)


def session_time(data: RosterData) -> str:
    """2026-12-15 09:00-10:30, the way both sheets and the spreadsheet print the sitting."""
    return f"{data.date:%Y-%m-%d} {data.starts:%H:%M}-{data.ends:%H:%M}"


# Page geometry, points.
PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
TOP = PAGE_H - 12 * mm
BOTTOM = 12 * mm
FOOTER_H = 6 * mm  # "第 x 页 共 y 页"

HEADER = GridStyle(size=9.5, row_height=7 * mm, max_lines=1, min_size=7, pad=2.5)
TABLE = GridStyle(size=9, row_height=8 * mm, max_lines=3, min_size=6.5, pad=2)
ROW_H = 23 * mm
ROW_PHOTO_W, ROW_PHOTO_H = 15 * mm, 21 * mm
COLUMNS = (  # heading, width in mm; the signature column takes what is left
    ("座位号", 12),
    ("照片", 19),
    ("准考证号", 27),
    ("姓名", 21),
    ("证件号码", 32),
    ("所属机构", 29),
    ("签名", 0),
    ("备注", 12),
)
TOTALS_H = 24 * mm  # the totals and the invigilators' signatures under the last table


def render_sign_in_sheet(data: RosterData, *, font: str | None = None) -> bytes:
    """签到表: the candidates in seat order, with photo and a box to sign; the header repeats on every page
    and the last one ends with the totals for the invigilators to fill in."""
    font = font or register_fonts()
    rows = data.by_seat
    table_top = _header_bottom() - 3 * mm
    per_page = max(1, int((table_top - TABLE.row_height - BOTTOM - FOOTER_H) // ROW_H))
    per_last = max(1, int((table_top - TABLE.row_height - BOTTOM - FOOTER_H - TOTALS_H) // ROW_H))
    pages = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]
    last = pages[-1]
    if len(last) > per_last:  # the totals need room under the table: the rows that crowd them out move on
        pages[-1:] = [last[:per_last], last[per_last:]]
    widths = [w * mm for _, w in COLUMNS]
    widths[6] = CONTENT_W - sum(widths)

    def page(c: Canvas, number: int) -> None:
        chunk = pages[number - 1]
        y = _header(c, data, SIGN_IN_TITLE, font)
        y = _sign_in_rows(c, chunk, y - 3 * mm, widths, font)
        if number == len(pages):
            _totals(c, len(rows), y, font)

    return _document(data, SIGN_IN_TITLE, font, len(pages), page)


def render_seat_plan(data: RosterData, *, columns: int = 6, font: str | None = None) -> bytes:
    """座位表: a box per seat, ``columns`` to a row, seat 1 at the front left, with the seat number large, the
    photo, name and ticket number. Seats are placed by their number, so an empty seat keeps its place."""
    if not 2 <= columns <= 10:
        raise ValueError("a seat plan has 2 to 10 columns")
    font = font or register_fonts()
    by_seat = {row.seat: row for row in data.rows}
    gap = 2.5 * mm
    box_w = (CONTENT_W - (columns - 1) * gap) / columns
    box_h = 40 * mm
    grid_top = _header_bottom() - 13 * mm
    lines = max(1, int((grid_top - BOTTOM - FOOTER_H + gap) // (box_h + gap)))
    per_page = lines * columns
    last_seat = max(by_seat, default=0)
    # Pages with no candidate at all (a gap in the seat numbers a page long) are left out.
    starts = [
        first
        for first in range(1, last_seat + 1, per_page)
        if any(seat in by_seat for seat in range(first, first + per_page))
    ] or [1]

    def page(c: Canvas, number: int) -> None:
        _header(c, data, SEAT_PLAN_TITLE, font)
        _front(c, grid_top + 7 * mm, font)
        first = starts[number - 1]
        for index in range(per_page):
            seat = first + index
            if seat > max(last_seat, 1):
                break
            line, col = divmod(index, columns)
            x = MARGIN_X + col * (box_w + gap)
            y = grid_top - line * (box_h + gap) - box_h
            _seat_box(c, seat, by_seat.get(seat), x, y, box_w, box_h, font)

    return _document(data, SEAT_PLAN_TITLE, font, len(starts), page)


# -- the parts both sheets share --------------------------------------------------------------------------


def _document(
    data: RosterData, title: str, font: str, pages: int, draw_page: Callable[[Canvas, int], None]
) -> bytes:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font)
    c.setTitle(f"{title} {data.room} {data.subject}")  # no personal data in the metadata
    c.setSubject(title)
    c.setCreator(data.organization)
    c.setAuthor(data.organization)
    for number in range(1, pages + 1):
        draw_page(c, number)
        _page_number(c, number, pages, font)
        c.showPage()
    c.save()
    return buffer.getvalue()


_HEADER_ROWS = 3


def _header_bottom() -> float:
    return TOP - 22 * mm - _HEADER_ROWS * HEADER.row_height


def _header(c: Canvas, data: RosterData, title: str, font: str) -> float:
    middle = PAGE_W / 2
    draw_text(c, middle, TOP - 5 * mm, data.organization, font, 10.5, align="center")
    draw_text(c, middle, TOP - 15 * mm, title, font, 18, align="center", bold=True, char_space=3)
    label_w = 20 * mm
    widths = [label_w, 70 * mm, label_w, CONTENT_W - 2 * label_w - 70 * mm]
    rows = [
        [label("认定项目"), value(data.item, span=3)],
        [label("考试科目"), value(data.subject), label("考试时间"), value(session_time(data))],
        [label("考点"), value(data.venue), label("考场"), value(data.room)],
    ]
    return draw_grid(c, MARGIN_X, TOP - 22 * mm, widths, rows, replace(HEADER, font=font))


def _page_number(c: Canvas, page: int, pages: int, font: str) -> None:
    draw_text(c, PAGE_W / 2, BOTTOM + 1 * mm, f"第 {page} 页 共 {pages} 页", font, 9, align="center")


# -- the sign-in sheet ------------------------------------------------------------------------------------


def _sign_in_rows(c: Canvas, rows: list[RosterRow], top: float, widths: list[float], font: str) -> float:
    style = replace(TABLE, font=font)
    y = draw_grid(c, MARGIN_X, top, widths, [[label(h) for h, _ in COLUMNS]], style)
    if not rows:
        return draw_grid(
            c, MARGIN_X, y, widths, [[value("本考场无考生", span=len(COLUMNS), align="center")]], style
        )
    cells = [
        [
            value(str(row.seat), align="center"),
            value(""),
            value(row.ticket_number, align="center"),
            value(row.name, align="center"),
            value(row.id_masked, align="center"),
            value(row.institution or "—", align="center"),
            value(""),
            value(""),
        ]
        for row in rows
    ]
    bottom = draw_grid(c, MARGIN_X, y, widths, cells, replace(style, row_height=ROW_H))
    # The rows are all ROW_H tall (three lines of text need less), so the photos go where the rows are.
    px = MARGIN_X + widths[0]
    for index, row in enumerate(rows):
        row_bottom = y - (index + 1) * ROW_H
        _photo(c, row.photo_jpeg, px, row_bottom, widths[1], ROW_H, ROW_PHOTO_W, ROW_PHOTO_H, font)
    return bottom


def _totals(c: Canvas, expected: int, top: float, font: str) -> None:
    y = top - 9 * mm
    x = MARGIN_X + 2 * mm
    x = _blank(c, x, y, f"应到 {expected} 人", 0, font)
    x = _blank(c, x + 10 * mm, y, "实到", 16 * mm, font, after="人")
    _blank(c, x + 10 * mm, y, "缺考", 16 * mm, font, after="人")
    y -= 10 * mm
    x = _blank(c, MARGIN_X + 2 * mm, y, "监考员签名：", 40 * mm, font)
    _blank(c, x + 6 * mm, y, "", 40 * mm, font)


def _blank(c: Canvas, x: float, y: float, caption: str, width: float, font: str, after: str = "") -> float:
    """A caption and an underlined space to write in, then ``after``; return the x where it ends."""
    size = 10.5
    draw_text(c, x, y, caption, font, size)
    x += text_width(caption, font, size)
    if width:
        x += 1 * mm
        c.setLineWidth(0.5)
        c.line(x, y - 1.5, x + width, y - 1.5)
        x += width + 1 * mm
    if after:
        draw_text(c, x, y, after, font, size)
        x += text_width(after, font, size)
    return x


# -- the seat plan ----------------------------------------------------------------------------------------


def _front(c: Canvas, center_y: float, font: str) -> None:
    w, h = 60 * mm, 8 * mm
    c.saveState()
    c.setFillColorRGB(0.93, 0.93, 0.93)
    c.setLineWidth(0.6)
    c.roundRect(PAGE_W / 2 - w / 2, center_y - h / 2, w, h, 2 * mm, stroke=1, fill=1)
    c.setFillColorRGB(0, 0, 0)
    # Inside the saved state: the character spacing is graphics state and would space out all later text.
    draw_text(c, PAGE_W / 2, baseline(center_y, 11), FRONT, font, 11, align="center", char_space=1)
    c.restoreState()


def _seat_box(
    c: Canvas, seat: int, row: RosterRow | None, x: float, y: float, w: float, h: float, font: str
) -> None:
    c.saveState()
    c.setLineWidth(0.8 if row else 0.4)
    if row is None:
        c.setDash(2, 2)
    c.rect(x, y, w, h, stroke=1, fill=0)
    c.restoreState()
    top = y + h
    draw_text(c, x + w / 2, top - 6.5 * mm, str(seat), font, 18, align="center", bold=True)
    if row is None:
        draw_text(c, x + w / 2, baseline(y + h / 2 - 3 * mm, 8), "空座", font, 8, align="center")
        return
    _photo(c, row.photo_jpeg, x, top - 8 * mm - ROW_PHOTO_H, w, ROW_PHOTO_H, ROW_PHOTO_W, ROW_PHOTO_H, font)
    lines, size = fit_text(row.name, font, 10, w - 2 * mm, 1, 6.5)
    draw_text(c, x + w / 2, y + 5.8 * mm, lines[0], font, size, align="center")
    lines, size = fit_text(row.ticket_number, font, 8, w - 2 * mm, 1, 5.5)
    draw_text(c, x + w / 2, y + 1.8 * mm, lines[0], font, size, align="center")


def _photo(
    c: Canvas,
    photo: bytes | None,
    x: float,
    y: float,
    w: float,
    h: float,
    photo_w: float,
    photo_h: float,
    font: str,
) -> None:
    """The photo centred in the box (x, y, w, h), or a dashed "无照片" frame of its size."""
    px, py = x + (w - photo_w) / 2, y + (h - photo_h) / 2
    draw_photo(c, photo, px, py, photo_w, photo_h, font=font, size=7, dash=1.5)
