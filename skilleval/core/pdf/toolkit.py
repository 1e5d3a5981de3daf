"""Shared drawing pieces for the documents the system prints: the application form now; admission tickets,
certificates and rosters later (DOMAIN.md §4, §7, §11).

Pure reportlab, no Django. Coordinates are PDF points with the origin at the bottom left, as in reportlab;
callers write ``35 * mm``. Every helper draws on a canvas it is given and keeps no state between calls
except the font registry and the width cache.

Fonts. The default is the Adobe CID font ``STSong-Light``, not embedded: files stay small and fast
(BASELINES.md "PDF"), and the reader supplies a Chinese font for it (Acrobat its Asian font pack, poppler
fonts-noto-cjk, which CI installs for the rendering tests). :func:`register_truetype_font` offers an
embedded TrueType subset that renders the same everywhere, for a deployment that ships such a font file:
measured on the application form with WenQuanYi Micro Hei, it costs 0.43x the rate and 4x the size. The
font needs TrueType (glyf) outlines; reportlab refuses the CFF outlines of Noto / Source Han CJK (.otf/.ttc),
which is what PyPI's font packages mostly carry.
"""

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"
# The CID font's Latin glyphs are drawn by whatever Chinese font the reader substitutes, with STSong's widths,
# so they come out cramped; Latin-1 text is set in a standard font instead, whose metrics every reader
# matches. That also covers the middle dot of minority names (U+00B7), which STSong-Light maps to nothing.
LATIN_COMPANION = {FONT: "Helvetica"}
_LATIN_RUNS = re.compile(r"([\x20-\x7e\xa0-\xff]+)")

# Characters a Chinese line must not start with, and ones it must not end with (line-breaking rules, 禁则).
NO_LINE_START = frozenset("，。、；：？！）》」』”’】〕…—,.;:?!)]}%")
NO_LINE_END = frozenset("（《「『“‘【〔([{")

# A Latin word, a number, an e-mail address or a code stays on one line where it can; anything else
# (each Chinese character, each punctuation mark) is its own unit, so a line may break between any two.
_UNITS = re.compile(r"[0-9A-Za-z][0-9A-Za-z@._%+\-/:*#]*|[ \t]+|.", re.DOTALL)
_CJK_PROBE = "职业技能等级认定报名表"


@cache
def register_fonts() -> str:
    """Register the built-in CJK font once per process and return its name."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def register_truetype_font(path: str, *, name: str = "CJK-Embedded", subfont_index: int = 0) -> str:
    """Register a TrueType CJK font (.ttf, or one face of a .ttc) to be embedded as a subset; return its name.

    Pass the name as ``font=`` to a renderer. Embedding costs time and size (a few tens of KiB per file)
    and buys identical rendering on readers without Chinese fonts.
    """
    try:
        font = TTFont(name, path, subfontIndex=subfont_index)
    except TTFError as exc:
        raise ValueError(f"{path}: not a usable TrueType font ({exc})") from None
    missing = [ch for ch in _CJK_PROBE if font.face.charToGlyph.get(ord(ch), 0) == 0]
    if missing:
        raise ValueError(f"{path}: has no glyphs for Chinese text (missing {''.join(missing)})")
    pdfmetrics.registerFont(font)
    return name


# -- text ---------------------------------------------------------------------------------------------------


@cache
def _char_widths(font: str) -> dict[str, float]:
    """Per-font cache of glyph widths at size 1 (a dict grows as characters are met)."""
    return {}


def text_width(text: str, font: str, size: float) -> float:
    widths = _char_widths(font)
    total = 0.0
    for ch in text:
        w = widths.get(ch)
        if w is None:
            latin = LATIN_COMPANION.get(font) if _LATIN_RUNS.match(ch) else None
            w = widths[ch] = pdfmetrics.stringWidth(ch, latin or font, 1)
        total += w
    return total * size


def draw_text(
    c: Canvas,
    x: float,
    y: float,
    text: str,
    font: str,
    size: float,
    *,
    align: str = "left",
    bold: bool = False,
    char_space: float = 0,
) -> None:
    """Draw one line at baseline ``y``: ``align`` left, center or right of ``x``. ``bold`` fills and strokes
    the glyphs, as STSong-Light has no bold face."""
    if align != "left":
        width = text_width(text, font, size) + char_space * len(text)
        x -= width / 2 if align == "center" else width
    t = c.beginText(x, y)
    # The render mode and character spacing outlive the text object in the PDF graphics state: kept inside a
    # saved state, they do not leak into the text drawn after this line.
    scoped = bold or bool(char_space)
    if scoped:
        c.saveState()
    if bold:
        c.setLineWidth(size * 0.025)
        t.setTextRenderMode(2)
    if char_space:
        t.setCharSpace(char_space)
    latin = LATIN_COMPANION.get(font)
    if latin is None:
        t.setFont(font, size)
        t.textOut(text)
    else:
        for i, run in enumerate(_LATIN_RUNS.split(text)):
            if run:
                t.setFont(latin if i % 2 else font, size)
                t.textOut(run)
    c.drawText(t)
    if scoped:
        c.restoreState()


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than ``width`` points.

    Chinese has no spaces: a line may break between any two characters, except that a closing mark never
    starts a line and an opening mark never ends one (the character before moves down with it). Latin words
    and numbers are kept whole unless one alone is wider than the line. Newlines in the text are kept.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, font, size, width))
    return lines


def _wrap_paragraph(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    line: list[str] = []
    used = 0.0

    def flush() -> None:
        nonlocal line, used
        lines.append("".join(line).rstrip())
        line, used = [], 0.0

    for unit in _UNITS.findall(text):
        if unit.isspace() and not line:
            continue  # no line starts with a space
        w = text_width(unit, font, size)
        if used + w <= width:
            line.append(unit)
            used += w
            continue
        if w > width:  # a unit wider than the line: fill this line, then cut the unit by characters
            for ch in unit:
                cw = text_width(ch, font, size)
                if used + cw > width and line:
                    flush()
                line.append(ch)
                used += cw
            continue
        carried: list[str] = []
        if unit in NO_LINE_START:  # take the character before down with it (and any closing marks between)
            while len(line) > 1 and (not carried or carried[0] in NO_LINE_START):
                carried.insert(0, line.pop())
        while len(line) > 1 and line[-1] in NO_LINE_END:
            carried.insert(0, line.pop())
        # On a line too narrow for the rule, break where it overflows after all.
        if text_width("".join(carried) + unit, font, size) > width:
            line.extend(carried)
            carried = []
        flush()
        line = [*carried, unit] if not unit.isspace() else carried
        used = text_width("".join(line), font, size)
    if line or not lines:
        flush()
    return lines


def fit_text(
    text: str, font: str, size: float, width: float, max_lines: int, min_size: float
) -> tuple[list[str], float]:
    """Wrap text into at most ``max_lines`` lines, shrinking the size down to ``min_size`` if needed and, as
    a last resort, ending the last line with "…". Returns the lines and the size used."""
    while True:
        lines = wrap_text(text, font, size, width)
        if len(lines) <= max_lines or size - 0.5 < min_size:
            break
        size -= 0.5
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", font, size) > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines, size


def baseline(center_y: float, size: float) -> float:
    """The baseline that centres a line of Chinese text of this size on ``center_y``."""
    return center_y - 0.36 * size


def draw_paragraph(
    c: Canvas, text: str, x: float, top: float, width: float, *, font: str, size: float, leading: float
) -> float:
    """Draw wrapped text from ``top`` down; return the y just below the last line."""
    y = top
    for line in wrap_text(text, font, size, width):
        draw_text(c, x, baseline(y - leading / 2, size), line, font, size)
        y -= leading
    return y


# -- grids of labelled fields and small tables -------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    span: int = 1
    label: bool = False  # a label: centred on a tinted ground
    align: str = "left"  # left | center | right (labels are always centred)


def label(text: str, span: int = 1) -> Cell:
    return Cell(text, span=span, label=True)


def value(text: str, span: int = 1, align: str = "left") -> Cell:
    return Cell(text, span=span, align=align)


@dataclass(frozen=True)
class GridStyle:
    font: str = FONT
    size: float = 9.5
    min_size: float = 6.5  # a long value shrinks to this before it is cut
    leading_ratio: float = 1.25
    row_height: float = 20.0  # minimum, points
    pad: float = 3.0
    max_lines: int = 2
    line_width: float = 0.6
    label_fill: tuple[float, float, float] = (0.93, 0.93, 0.93)


def draw_grid(
    c: Canvas,
    x: float,
    top: float,
    widths: Sequence[float],
    rows: Sequence[Sequence[Cell]],
    style: GridStyle = GridStyle(),
) -> float:
    """Draw rows of cells on the column ``widths`` (a cell may span columns); return the bottom y.

    Each row is as tall as its tallest cell needs, at least ``style.row_height``. The borders are one path.
    """
    edges = [x]
    for w in widths:
        edges.append(edges[-1] + w)
    placed = []  # (row top, row height, cell x, cell width, cell, lines, size)
    y = top
    for row in rows:
        col = 0
        cells = []
        for cell in row:
            cx, cw = edges[col], edges[min(col + cell.span, len(widths))] - edges[col]
            col += cell.span
            lines, size = fit_text(
                cell.text, style.font, style.size, cw - 2 * style.pad, style.max_lines, style.min_size
            )
            cells.append((cx, cw, cell, lines, size))
        if col != len(widths):
            raise ValueError(f"a grid row spans {col} columns, the grid has {len(widths)}")
        height = max(
            style.row_height,
            *(len(lines) * size * style.leading_ratio + 2 * style.pad for _, _, _, lines, size in cells),
        )
        placed.extend((y, height, *cell) for cell in cells)
        y -= height

    c.saveState()
    c.setFillColorRGB(*style.label_fill)
    for row_top, height, cx, cw, cell, _, _ in placed:
        if cell.label:
            c.rect(cx, row_top - height, cw, height, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    for row_top, height, cx, cw, cell, lines, size in placed:
        leading = size * style.leading_ratio
        first = row_top - height / 2 + (len(lines) - 1) * leading / 2
        align = "center" if cell.label else cell.align
        tx = {"left": cx + style.pad, "center": cx + cw / 2, "right": cx + cw - style.pad}[align]
        for i, line in enumerate(lines):
            draw_text(c, tx, baseline(first - i * leading, size), line, style.font, size, align=align)
    c.setLineWidth(style.line_width)
    borders = c.beginPath()
    for row_top, height, cx, cw, _, _, _ in placed:
        borders.rect(cx, row_top - height, cw, height)
    c.drawPath(borders, stroke=1, fill=0)
    c.restoreState()
    return y


# -- images --------------------------------------------------------------------------------------------------


def draw_jpeg(c: Canvas, data: bytes, x: float, y: float, width: float, height: float) -> None:
    """Draw a JPEG (the candidate photo) inside the box, as large as fits, keeping its aspect ratio, centred.

    The JPEG data goes into the PDF as it is (no re-encoding); the caller has already checked and
    re-encoded the upload (privacy.files).
    """
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("the photo must be JPEG data")
    c.drawImage(_JpegReader(data), x, y, width, height, preserveAspectRatio=True, anchor="c")


def draw_photo(
    c: Canvas,
    data: bytes | None,
    x: float,
    y: float,
    width: float,
    height: float,
    *,
    font: str,
    caption: str = "无照片",
    size: float = 9,
    dash: float = 2,
) -> None:
    """The candidate photo in the box, or, without one, a dashed frame of the box with a caption (the form
    says where to glue a photo, a ticket or roster that there is none)."""
    if data:
        draw_jpeg(c, data, x, y, width, height)
        return
    c.saveState()
    c.setDash(dash, dash)
    c.setLineWidth(0.5 if dash >= 2 else 0.4)
    c.rect(x, y, width, height, stroke=1, fill=0)
    c.restoreState()
    draw_text(c, x + width / 2, baseline(y + height / 2, size), caption, font, size, align="center")


class _JpegReader(ImageReader):
    """reportlab names an image by a digest of ``getRGBData()``, which decodes every pixel: ~2.7 ms for a
    2-inch photo, as much as the rest of the page. A JPEG is embedded as it is, so its bytes name it as
    well."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self._jpeg = data
        self._dataA = None  # no alpha channel: a JPEG has none

    def getRGBData(self):
        return self._jpeg if self.jpeg_fh() is not None else super().getRGBData()


# -- QR codes ------------------------------------------------------------------------------------------------


def qr_matrix(text: str, ec_level: str = "M") -> list[bytes]:
    """The QR symbol for text as rows of bytes, 0 for a dark module, without the quiet zone.

    zxing-cpp's encoder (C++, ~2,100 symbols/s); segno with the mask fixed where zxing-cpp is older than 3.0
    (a pure-Python encoder spends most of its time choosing the mask).
    """
    try:
        from zxingcpp import BarcodeFormat, create_barcode
    except ImportError:
        return _segno_matrix(text, ec_level)
    image = create_barcode(text, BarcodeFormat.QRCode, ec_level=ec_level).to_image(
        scale=1, add_quiet_zones=False
    )
    height, width = image.shape
    pixels = bytes(memoryview(image))
    return [pixels[r * width : (r + 1) * width] for r in range(height)]


def _segno_matrix(text: str, ec_level: str = "M") -> list[bytes]:
    import segno

    code = segno.make(text, error=ec_level.lower(), mask=0, micro=False, boost_error=False)
    return [bytes(0 if dark else 255 for dark in row) for row in code.matrix]


_DARK_RUN = re.compile(rb"\x00+")


def draw_qr(c: Canvas, text: str, x: float, y: float, size: float, *, ec_level: str = "M") -> float:
    """Draw a QR code in the square (x, y, size) including its 4-module quiet zone; return the module size.

    The dark modules are one filled path of one rectangle per horizontal run, in a coordinate system of
    one unit per module, so the numbers stay small and no seams show between adjacent rectangles.
    """
    rows = qr_matrix(text, ec_level)
    module = size / (len(rows) + 8)
    c.saveState()
    c.translate(x + 4 * module, y + size - 4 * module)
    c.scale(module, -module)
    ops = [
        f"{run.start()} {r} {run.end() - run.start()} 1 re"
        for r, row in enumerate(rows)
        for run in _DARK_RUN.finditer(row)
    ]
    c.setFillColorRGB(0, 0, 0)
    c.addLiteral("\n".join(ops) + "\nf")
    c.restoreState()
    return module


# -- documents of many pages -----------------------------------------------------------------------------


def render_pages(items, draw, *, font: str, title: str, subject: str, what: str) -> bytes:
    """One A4 PDF, a page per item drawn by ``draw(canvas, item, font=font)``, ``items`` consumed once and
    lazily (a caller can stream rows from a query). The metadata names the document and the organization
    (the items' ``organization``), never a person."""
    from reportlab.lib.pagesizes import A4

    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font)
    c.setTitle(title)
    c.setSubject(subject)
    pages = 0
    for item in items:
        if not pages:
            c.setCreator(item.organization)
            c.setAuthor(item.organization)
        draw(c, item, font=font)
        c.showPage()
        pages += 1
    if not pages:
        raise ValueError(f"no {what} to render")
    c.save()
    return buffer.getvalue()
