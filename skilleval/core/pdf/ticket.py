"""The admission ticket (准考证, DOMAIN.md §7): one A4 page per candidate, and one file of many for an
institution.

The caller (the scheduling area) fills :class:`TicketData` with display-ready plain values; this module only
lays them out. The ticket carries the masked ID number only: it is printed, shared and left on desks. The QR
code carries the ticket number (or the caller's ``qr_payload``) for the check-in desk to scan (§8).
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, time
from functools import lru_cache

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from skilleval.core.pdf.toolkit import (
    GridStyle,
    baseline,
    draw_grid,
    draw_photo,
    draw_qr,
    draw_text,
    label,
    register_fonts,
    render_pages,
    text_width,
    value,
    wrap_text,
)

TITLE = "职业技能等级认定准考证"
QR_CAPTION = "入场扫码 / check-in"
MAX_SUBJECTS = 4
WEEKDAYS = "一二三四五六日"

# The short form of 附件 2 (参评人员须知) a caller passes when it has nothing more specific to print.
DEFAULT_RULES = (
    "凭本准考证和本人有效身份证件原件参加考试，按准考证所列考场和座位号就座，二者缺一不得入场。",
    "除规定的文具和工具外，不得携带手机、智能手表等具有拍照、存储、传输或通讯功能的设备进入考场；"
    "已带入的须按监考人员要求存放。",
    "遵守考场纪律，服从监考人员管理；不得喧哗、吸烟或扰乱考场秩序，未经许可不得离开座位或考场。",
    "严禁抄袭、协助他人抄袭、替考或由他人代考；不得将试题、答卷、工件等带出考场，不得损坏考试设施设备。",
    "违纪违规行为按《参评人员须知》处理：视情节取消该科目或全部科目成绩，情节严重的在一定期限内"
    "不得参加职业技能评价，并移交有关部门。",
    "本准考证仅限本人本次考试使用，请妥善保管，不得涂改。",
)


@dataclass(frozen=True)
class TicketSubject:
    subject: str  # 理论知识 / 操作技能
    date: date
    starts: time
    ends: time
    venue: str  # venue name
    address: str  # venue address
    room: str  # room name
    seat: int


@dataclass(frozen=True)
class TicketData:
    number: str  # the 13-digit ticket number (准考证号)
    name: str
    id_masked: str  # 310101********1234: never the full number
    photo_jpeg: bytes | None  # the re-encoded photo; None prints a "无照片" box
    occupation: str  # 计算机程序设计员
    occupation_code: str  # 4-04-05-01
    work_type: str  # "" when the occupation has none
    level: str  # 四级/中级工
    subjects: tuple[TicketSubject, ...]
    organization: str  # the issuing evaluation organization
    filing_number: str  # 机构备案号
    rules: tuple[str, ...]  # the short rules of 附件 2, each a line or two (DEFAULT_RULES)
    issued_on: date
    qr_payload: str = ""  # what the QR code carries; empty means the ticket number

    def __post_init__(self):
        if not self.number:
            raise ValueError("a ticket needs its ticket number")
        if "*" not in self.id_masked:
            raise ValueError("a ticket carries the masked ID number only")
        if self.photo_jpeg is not None and not self.photo_jpeg.startswith(b"\xff\xd8"):
            raise ValueError("photo_jpeg must be JPEG data")
        if not 1 <= len(self.subjects) <= MAX_SUBJECTS:
            raise ValueError(f"a ticket lists 1 to {MAX_SUBJECTS} subjects")


# Page geometry, points.
PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
TOP = PAGE_H - 12 * mm
BOTTOM = 12 * mm
QR_SIZE = 36 * mm  # with its quiet zone: a 21-module symbol is ~26 mm, what a phone reads from arm's length
PHOTO_W, PHOTO_H = 35 * mm, 49 * mm  # 2-inch
PHOTO_COL = PHOTO_W + 6 * mm
GAP = 5 * mm

FIELDS = GridStyle(size=10.5, row_height=(PHOTO_H + 6 * mm) / 6, max_lines=2, pad=3)
SUBJECTS = GridStyle(size=9.5, row_height=12 * mm, max_lines=3, pad=2.5, leading_ratio=1.3)
SUBJECT_WIDTHS = [w * mm for w in (24, 25, 27, 60, 30, 14)]

RULE_SIZE, RULE_MIN_SIZE = 10.0, 6.0
RULE_LEADING = 1.5  # times the size
RULE_GAP = 0.35  # between rules, times the size
RULE_INDENT = 1.8  # the hanging indent for "1.", times the size


def render_ticket(data: TicketData, *, font: str | None = None) -> bytes:
    """The ticket as a one-page A4 PDF. ``font``: a name from
    :func:`~skilleval.core.pdf.toolkit.register_truetype_font` to embed it; STSong-Light otherwise."""
    return _render([data], font or register_fonts(), f"{TITLE} {data.number}")


def render_tickets(items: Iterable[TicketData], *, font: str | None = None) -> bytes:
    """Many tickets in one PDF, a page each, in the order given (an institution's combined file).

    ``items`` is consumed once, lazily, so a caller can stream rows from a query.
    """
    return _render(items, font or register_fonts(), TITLE)


def _render(items, font: str, title: str) -> bytes:
    return render_pages(items, draw_ticket, font=font, title=title, subject=TITLE, what="tickets")


def draw_ticket(c: Canvas, data: TicketData, *, font: str | None = None) -> None:
    """Draw one ticket on the current page of ``c``; the caller ends the page."""
    font = font or register_fonts()
    _header(c, data, font)
    y = _identity(c, data, TOP - 33 * mm, font)
    y = _section(c, "考试安排", y - GAP, font)
    y = _subjects(c, data.subjects, y, font)
    y = _section(c, "考生须知", y - GAP, font)
    _rules(c, data.rules, y - 1 * mm, font)


def _header(c: Canvas, data: TicketData, font: str) -> None:
    middle = MARGIN_X + (CONTENT_W - QR_SIZE) / 2  # centred on the space left of the QR code
    draw_text(c, middle, TOP - 5 * mm, data.organization, font, 11, align="center")
    draw_text(c, middle, TOP - 10 * mm, f"评价机构备案编号：{data.filing_number}", font, 8.5, align="center")
    draw_text(c, middle, TOP - 22 * mm, TITLE, font, 21, align="center", bold=True, char_space=2)
    # The quiet zone may overhang the margins: the symbol itself lines up with the photo below.
    x = MARGIN_X + CONTENT_W - QR_SIZE + 4.5 * mm
    y = TOP - QR_SIZE + 4.5 * mm
    module = draw_qr(c, data.qr_payload or data.number, x, y, QR_SIZE)
    caption_y = y + 4 * module - 3.2 * mm
    draw_text(c, x + QR_SIZE / 2, caption_y, QR_CAPTION, font, 8, align="center")


def _identity(c: Canvas, data: TicketData, top: float, font: str) -> float:
    style = replace(FIELDS, font=font)
    grid_w = CONTENT_W - PHOTO_COL
    label_w = 27 * mm
    widths = [label_w, 42 * mm, 20 * mm, grid_w - label_w - 62 * mm]
    occupation = data.occupation + (f"（{data.work_type}）" if data.work_type else "")
    rows = [
        [label("准考证号"), value(data.number, span=3)],
        [label("姓名"), value(data.name), label("等级"), value(data.level)],
        [label("证件号码"), value(data.id_masked, span=3)],
        [label("职业（工种）"), value(occupation, span=3)],
        [label("职业编码"), value(data.occupation_code), label("签发日期"), value(_date(data.issued_on))],
        [label("评价机构"), value(data.organization, span=3)],
    ]
    bottom = draw_grid(c, MARGIN_X, top, widths, rows, style)
    px = MARGIN_X + grid_w
    c.setLineWidth(style.line_width)
    c.rect(px, bottom, PHOTO_COL, top - bottom, stroke=1, fill=0)
    bx, by = px + (PHOTO_COL - PHOTO_W) / 2, bottom + (top - bottom - PHOTO_H) / 2
    draw_photo(c, data.photo_jpeg, bx, by, PHOTO_W, PHOTO_H, font=font, size=11)
    return bottom


def _section(c: Canvas, title: str, top: float, font: str) -> float:
    draw_text(c, MARGIN_X, top - 4 * mm, f"■ {title}", font, 11, bold=True)
    return top - 6.5 * mm


def _subjects(c: Canvas, subjects: tuple[TicketSubject, ...], top: float, font: str) -> float:
    rows = [[label(h) for h in ("科目", "日期", "时间", "考点 / 地址", "考场", "座位号")]]
    for s in subjects:
        rows.append(
            [
                value(s.subject, align="center"),
                value(f"{_date(s.date)}\n星期{WEEKDAYS[s.date.weekday()]}", align="center"),
                value(_time_range(s.starts, s.ends), align="center"),
                value(f"{s.venue}\n{s.address}" if s.address else s.venue),
                value(s.room, align="center"),
                value(str(s.seat), align="center"),
            ]
        )
    header_style = replace(SUBJECTS, font=font, row_height=7.5 * mm)
    y = draw_grid(c, MARGIN_X, top, SUBJECT_WIDTHS, rows[:1], header_style)
    return draw_grid(c, MARGIN_X, y, SUBJECT_WIDTHS, rows[1:], replace(SUBJECTS, font=font))


def _rules(c: Canvas, rules: tuple[str, ...], top: float, font: str) -> None:
    size, blocks = _rules_layout(rules, font, round(top - BOTTOM, 1))
    leading = size * RULE_LEADING
    x = MARGIN_X + 2 * mm
    y = top
    for number, lines in blocks:
        draw_text(c, x, baseline(y - leading / 2, size), number, font, size)
        for line in lines:
            draw_text(c, x + size * RULE_INDENT, baseline(y - leading / 2, size), line, font, size)
            y -= leading
        y -= size * RULE_GAP


@lru_cache(maxsize=64)
def _rules_layout(
    rules: tuple[str, ...], font: str, height: float
) -> tuple[float, tuple[tuple[str, tuple[str, ...]], ...]]:
    """The numbered rules wrapped to the width, at the largest size (down to RULE_MIN_SIZE) that fits the
    height; at the smallest size, the lines that do not fit are cut and the last kept one ends with "……".

    The same rules and room recur on every page of a combined file, so the layout is worked out once.
    """
    size = RULE_SIZE
    while True:
        width = CONTENT_W - 2 * mm - size * RULE_INDENT
        blocks = [(f"{i}.", wrap_text(rule, font, size, width)) for i, rule in enumerate(rules, start=1)]
        lines = sum(len(block) for _, block in blocks)
        needed = lines * size * RULE_LEADING + len(blocks) * size * RULE_GAP
        if needed <= height or size <= RULE_MIN_SIZE:
            break
        size -= 0.5
    if needed > height:
        blocks = _cut(blocks, size, height, font, width)
    return size, tuple((number, tuple(block)) for number, block in blocks)


def _cut(blocks, size: float, height: float, font: str, width: float):
    kept, used = [], 0.0
    for number, block in blocks:
        room = int((height - used - size * RULE_GAP) // (size * RULE_LEADING))
        if room < len(block):
            if room > 0:
                last = block[room - 1]
                while last and text_width(last + "……", font, size) > width:
                    last = last[:-1]
                kept.append((number, [*block[: room - 1], last + "……"]))
            break
        kept.append((number, block))
        used += len(block) * size * RULE_LEADING + size * RULE_GAP
    return kept


def _time_range(starts: time, ends: time) -> str:
    # An ASCII hyphen: it is set in the Latin companion font with the digits, where STSong-Light's en dash
    # takes a full em and leaves a gap after it.
    return f"{starts:%H:%M}-{ends:%H:%M}"


def _date(day: date) -> str:
    return f"{day:%Y-%m-%d}"
