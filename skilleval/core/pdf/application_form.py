"""The application form (报名表, DOMAIN.md §4): one A4 page the candidate confirms and signs.

The caller (the applications area) fills :class:`ApplicationFormData` with display-ready plain values: the
ID number and phone as they should appear (masked, unless the caller decides the signed counter copy needs
the full number), fees already formatted from Decimal, labels already in Chinese. This module only lays them
out. The QR code in the footer carries the application number and nothing else, for the counter to scan.
"""

import io
from dataclasses import dataclass, replace
from datetime import date, datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from skilleval.core.pdf.toolkit import (
    GridStyle,
    draw_grid,
    draw_jpeg,
    draw_paragraph,
    draw_qr,
    draw_text,
    label,
    register_fonts,
    text_width,
    value,
)

TITLE = "职业技能等级认定报名表"
DEFAULT_PLEDGE = (
    "本人承诺所填写信息及提交材料真实有效，如有虚假，愿承担取消评价资格、成绩和证书等相应责任。"
    "本人已阅读并知悉《参评人员须知》，自愿遵守评价纪律。"
)

MAX_SUBJECTS = 4
MAX_PLEDGE_CHARS = 150


@dataclass(frozen=True)
class SubjectFee:
    subject: str  # 理论知识考试
    fee: str  # "180.00", formatted by the caller from Decimal


@dataclass(frozen=True)
class EducationRow:
    school: str
    education: str  # 学历 / school kind and programme, e.g. 大学本科, 技工学校（高级工班）
    major: str = ""
    graduated_on: date | None = None
    note: str = ""  # e.g. 应届


@dataclass(frozen=True)
class WorkRow:
    employer: str
    position: str = ""
    occupation: str = ""  # code or name of the occupation the work counts for
    start: date | None = None
    end: date | None = None  # None: still working there (至今)


@dataclass(frozen=True)
class CertificateRow:
    occupation: str  # 职业（工种）
    level: str  # 四级/中级工
    number: str = ""
    issued_on: date | None = None


@dataclass(frozen=True)
class TitleRow:
    name: str  # 职称名称
    grade: str  # 初级 / 中级 / 高级
    obtained_on: date | None = None


@dataclass(frozen=True)
class ApplicationFormData:
    application_number: str
    organization_name: str
    filing_number: str
    channel: str  # 个人申报 / 团体申报, as the caller words it
    full_name: str
    sex: str
    id_type: str
    id_number_display: str  # as it should be printed: masked, or in full where the caller decides so
    birth_date: date | None
    phone_display: str
    email: str
    occupation_code: str
    occupation_name: str
    level_label: str  # 四级/中级工
    subjects: tuple[SubjectFee, ...]
    fee_total: str
    generated_at: datetime
    institution_name: str = ""  # group applications: the institution
    work_type: str = ""
    photo_jpeg: bytes | None = None  # the re-encoded 2-inch photo; None prints an empty framed box
    education: tuple[EducationRow, ...] = ()
    work: tuple[WorkRow, ...] = ()
    certificates: tuple[CertificateRow, ...] = ()
    titles: tuple[TitleRow, ...] = ()
    condition_claimed: str = ""  # L4-1
    eligibility_summary: str = ""
    pledge_text: str = DEFAULT_PLEDGE
    at_counter: bool = False  # adds the clerk's 受理人 / 日期 line

    def __post_init__(self):
        if not self.application_number:
            raise ValueError("an application form needs the application number")
        if self.photo_jpeg is not None and not self.photo_jpeg.startswith(b"\xff\xd8"):
            raise ValueError("photo_jpeg must be JPEG data")
        if not 1 <= len(self.subjects) <= MAX_SUBJECTS:
            raise ValueError(f"an application form lists 1 to {MAX_SUBJECTS} subjects")
        if len(self.pledge_text) > MAX_PLEDGE_CHARS:
            raise ValueError(f"the pledge text must fit the form: at most {MAX_PLEDGE_CHARS} characters")


class LayoutOverflow(Exception):
    """The content ran into the signature block or the footer: the form would not fit on one page."""


# Page geometry, points.
PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
TOP = PAGE_H - 13 * mm
SIGNATURE_LINE = 9 * mm  # one 签字 / 日期 line
FOOTER_TOP = 27 * mm  # the footer (QR, generation time) sits below this line
QR_SIZE = 24 * mm

PHOTO_W, PHOTO_H = 35 * mm, 49 * mm
PHOTO_COL = PHOTO_W + 6 * mm
LABEL_W = 25 * mm


@dataclass(frozen=True)
class _Layout:
    fields: GridStyle
    table: GridStyle
    rows: dict  # table -> rows shown at most (the last one says how many more there are)
    pledge_size: float
    gap: float  # between blocks


FIELDS = GridStyle(size=10, row_height=8 * mm, max_lines=2)
TABLE = GridStyle(size=9, row_height=6 * mm, max_lines=2, pad=2.5)
# Tried in order: a real profile fits the first; long values and many records fall back to the second,
# which shows fewer rows, one line per cell and smaller type, and fits the most a form can hold
# (tests/core/test_pdf_application_form.py renders that case).
LAYOUTS = (
    _Layout(FIELDS, TABLE, {"education": 3, "work": 4, "certificates": 3, "titles": 2}, 10, 3.5 * mm),
    _Layout(
        replace(FIELDS, min_size=6, row_height=7 * mm, leading_ratio=1.15, pad=2),
        replace(TABLE, size=8, max_lines=1, min_size=6, row_height=5 * mm, pad=1.5),
        {"education": 2, "work": 2, "certificates": 2, "titles": 2},
        9,
        2 * mm,
    ),
)


def render_application_form(data: ApplicationFormData, *, font: str | None = None) -> bytes:
    """The form as a one-page A4 PDF.

    ``font``: a name from :func:`~skilleval.core.pdf.toolkit.register_truetype_font` to embed that font;
    the built-in STSong-Light otherwise.
    """
    font = font or register_fonts()
    for layout in LAYOUTS[:-1]:
        try:
            return _render(data, font, layout)
        except LayoutOverflow:
            pass
    return _render(data, font, LAYOUTS[-1])


def _render(data: ApplicationFormData, font: str, layout: _Layout) -> bytes:
    fields = replace(layout.fields, font=font)
    table = replace(layout.table, font=font)
    rows = layout.rows
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font)
    # Metadata carries no personal data.
    c.setTitle(f"{TITLE} {data.application_number}")
    c.setSubject(TITLE)
    c.setCreator(data.organization_name)
    c.setAuthor(data.organization_name)

    gap = layout.gap
    y = _header(c, data, font)
    y = _personal(c, data, y - 3 * mm, fields)
    y = _item(c, data, y - gap, fields, table)
    y = _section(c, "学习经历", y - gap, font)
    y = _education(c, data.education, y, table, rows["education"])
    y = _section(c, "工作经历", y - gap, font)
    y = _work(c, data.work, y, table, rows["work"])
    y = _section(c, "职业资格（技能等级）证书及专业技术职务（职称）", y - gap, font)
    y = _certificates_and_titles(c, data, y, table, rows["certificates"], rows["titles"])
    y = _pledge(c, data.pledge_text, y - gap, font, layout.pledge_size)
    needed = FOOTER_TOP + 5 * mm + SIGNATURE_LINE * (2 if data.at_counter else 1)
    if y < needed:
        raise LayoutOverflow(f"the content ends {(needed - y) / mm:.1f} mm too low for one page")
    _signatures(c, data.at_counter, y, font)
    _footer(c, data, font)
    c.showPage()
    c.save()
    return buffer.getvalue()


def _header(c: Canvas, data: ApplicationFormData, font: str) -> float:
    middle = PAGE_W / 2
    draw_text(c, middle, TOP - 4 * mm, data.organization_name, font, 10, align="center")
    draw_text(c, middle, TOP - 8.5 * mm, f"评价机构备案编号：{data.filing_number}", font, 8.5, align="center")
    title_y = TOP - 18 * mm
    draw_text(c, middle, title_y, TITLE, font, 19, align="center", bold=True, char_space=1.5)
    line_y = title_y - 9 * mm
    draw_text(c, MARGIN_X, line_y, f"报名编号：{data.application_number}", font, 10)
    draw_text(c, MARGIN_X + CONTENT_W, line_y, f"申报方式：{data.channel}", font, 10, align="right")
    return line_y - 2.5 * mm


def _personal(c: Canvas, data: ApplicationFormData, top: float, style: GridStyle) -> float:
    grid_w = CONTENT_W - PHOTO_COL
    widths = [LABEL_W, 36 * mm, LABEL_W, grid_w - 2 * LABEL_W - 36 * mm]
    rows = [
        [label("姓名"), value(data.full_name), label("性别"), value(data.sex)],
        [label("出生日期"), value(_date(data.birth_date)), label("证件类型"), value(data.id_type)],
        [label("证件号码"), value(data.id_number_display, span=3)],
        [label("手机号码"), value(data.phone_display), label("电子邮箱"), value(data.email)],
        [label("所属机构"), value(data.institution_name or "—", span=3)],
    ]
    style = replace(style, row_height=(PHOTO_H + 5 * mm) / len(rows))
    bottom = draw_grid(c, MARGIN_X, top, widths, rows, style)
    # The photo column: a framed cell as tall as the grid, the 35 × 49 mm box centred in it.
    px = MARGIN_X + grid_w
    c.setLineWidth(style.line_width)
    c.rect(px, bottom, PHOTO_COL, top - bottom, stroke=1, fill=0)
    bx, by = px + (PHOTO_COL - PHOTO_W) / 2, bottom + (top - bottom - PHOTO_H) / 2
    if data.photo_jpeg:
        draw_jpeg(c, data.photo_jpeg, bx, by, PHOTO_W, PHOTO_H)
    else:
        c.saveState()
        c.setDash(2, 2)
        c.setLineWidth(0.5)
        c.rect(bx, by, PHOTO_W, PHOTO_H, stroke=1, fill=0)
        c.restoreState()
        draw_text(c, bx + PHOTO_W / 2, by + PHOTO_H / 2 + 2 * mm, "照片", style.font, 10, align="center")
        draw_text(
            c,
            bx + PHOTO_W / 2,
            by + PHOTO_H / 2 - 3 * mm,
            "（二寸 35x49 mm）",
            style.font,
            7.5,
            align="center",
        )
    return bottom


def _item(c: Canvas, data: ApplicationFormData, top: float, fields: GridStyle, table: GridStyle) -> float:
    occupation = data.occupation_name + (f"（{data.work_type}）" if data.work_type else "")
    widths = [LABEL_W, 36 * mm, LABEL_W, CONTENT_W - 2 * LABEL_W - 36 * mm]
    rows = [
        [label("职业编码"), value(data.occupation_code), label("职业（工种）"), value(occupation)],
        [label("申报等级"), value(data.level_label), label("申报条件"), value(data.condition_claimed or "—")],
    ]
    if data.eligibility_summary:
        rows.append([label("条件审核"), value(data.eligibility_summary, span=3)])
    y = draw_grid(c, MARGIN_X, top, widths, rows, fields)
    # Subjects and fees: the label column, then one column per subject and the total.
    subjects = data.subjects
    n = len(subjects) + 1
    rest = (CONTENT_W - LABEL_W) / n
    y = draw_grid(
        c,
        MARGIN_X,
        y,
        [LABEL_W] + [rest] * n,
        [
            [label("考核科目"), *(value(s.subject, align="center") for s in subjects), label("合计")],
            [
                label("费用（元）"),
                *(value(s.fee, align="center") for s in subjects),
                value(data.fee_total, align="center"),
            ],
        ],
        replace(table, size=fields.size, row_height=fields.row_height - 1 * mm),
    )
    return y


def _section(c: Canvas, title: str, top: float, font: str) -> float:
    draw_text(c, MARGIN_X, top - 4 * mm, f"■ {title}", font, 10.5, bold=True)
    return top - 6 * mm


def _table(
    c: Canvas,
    top: float,
    widths_mm: list[float],
    header: list[str],
    parts: list[tuple[list[list[str]], int]],
    style: GridStyle,
) -> float:
    """A table of the header and each part's rows; a part over its limit shows limit - 1 rows and a line
    saying how many more there are."""
    widths = [w * mm for w in widths_mm]
    widths[-1] = CONTENT_W - sum(widths[:-1])
    cells = [[label(h) for h in header]]
    for rows, limit in parts:
        shown = rows if len(rows) <= limit else rows[: limit - 1]
        cells += [[value(text) for text in row] for row in shown]
        if len(shown) < len(rows):
            more = f"……另有 {len(rows) - len(shown)} 条记录，见系统存档"
            cells.append([value(more, span=len(header), align="center")])
    if len(cells) == 1:
        cells.append([value("无", span=len(header), align="center")])
    return draw_grid(c, MARGIN_X, top, widths, cells, style)


def _education(c: Canvas, rows: tuple[EducationRow, ...], top: float, style: GridStyle, limit: int) -> float:
    body = [
        [r.school, r.education, r.major, _date(r.graduated_on) + (f" {r.note}" if r.note else "")]
        for r in rows
    ]
    header = ["毕业院校", "学历（类别）", "专业", "毕业时间"]
    return _table(c, top, [62, 40, 45, 0], header, [(body, limit)], style)


def _work(c: Canvas, rows: tuple[WorkRow, ...], top: float, style: GridStyle, limit: int) -> float:
    body = [
        [f"{_date(r.start)} 至 {_date(r.end) if r.end else '今'}", r.employer, r.position, r.occupation]
        for r in rows
    ]
    header = ["起止时间", "工作单位", "岗位", "从事职业"]
    return _table(c, top, [44, 66, 35, 0], header, [(body, limit)], style)


def _certificates_and_titles(
    c: Canvas, data: ApplicationFormData, top: float, style: GridStyle, max_certificates: int, max_titles: int
) -> float:
    certificates = [["证书", r.occupation, r.level, r.number, _date(r.issued_on)] for r in data.certificates]
    titles = [["职称", r.name, r.grade, "", _date(r.obtained_on)] for r in data.titles]
    header = ["类别", "职业（工种）/ 职称名称", "等级 / 级别", "证书编号", "取得时间"]
    parts = [(certificates, max_certificates), (titles, max_titles)]
    return _table(c, top, [16, 56, 32, 50, 0], header, parts, style)


def _pledge(c: Canvas, text: str, top: float, font: str, size: float) -> float:
    _section(c, "本人承诺", top, font)
    return draw_paragraph(
        c,
        text,
        MARGIN_X + 4 * mm,
        top - 6.5 * mm,
        CONTENT_W - 8 * mm,
        font=font,
        size=size,
        leading=size * 1.45,
    )


def _signatures(c: Canvas, at_counter: bool, top: float, font: str) -> None:
    y = top - SIGNATURE_LINE
    _blank(c, MARGIN_X + 4 * mm, y, "本人签字：", 45 * mm, font)
    _blank(c, MARGIN_X + 95 * mm, y, "日期：", 0, font, text="        年      月      日")
    if at_counter:
        y -= SIGNATURE_LINE
        _blank(c, MARGIN_X + 4 * mm, y, "受理人：", 45 * mm, font)
        _blank(c, MARGIN_X + 95 * mm, y, "日期：", 0, font, text="        年      月      日")


def _blank(c: Canvas, x: float, y: float, caption: str, width: float, font: str, text: str = "") -> None:
    """A caption followed by an underlined space to write in."""
    draw_text(c, x, y, caption + text, font, 10.5)
    if width:
        start = x + text_width(caption, font, 10.5)
        c.setLineWidth(0.5)
        c.line(start, y - 1.5, start + width, y - 1.5)


def _footer(c: Canvas, data: ApplicationFormData, font: str) -> None:
    c.setLineWidth(0.4)
    c.line(MARGIN_X, FOOTER_TOP, MARGIN_X + CONTENT_W, FOOTER_TOP)
    qr_x = MARGIN_X + CONTENT_W - QR_SIZE + 4 * mm  # the quiet zone may overhang the text margin
    draw_qr(c, data.application_number, qr_x, FOOTER_TOP - QR_SIZE - 0.5 * mm, QR_SIZE)
    lines = [
        f"报名编号：{data.application_number}　　本表由系统生成于 {data.generated_at:%Y-%m-%d %H:%M}",
        "请核对以上信息，确认无误后签字。右侧二维码仅含报名编号，供受理窗口扫码调取。",
        f"{data.organization_name}　　第 1 页 / 共 1 页",
    ]
    y = FOOTER_TOP - 6 * mm
    for line in lines:
        draw_text(c, MARGIN_X, y, line, font, 8.5)
        y -= 5 * mm


def _date(day: date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else ""
