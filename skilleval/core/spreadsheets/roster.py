"""The exam room's roster as a workbook (DOMAIN.md §8): the sign-in sheet with photos, and the seat list, for
a venue that prints or edits its own.

Every text cell goes through export's cell writer, so a name such as "=HYPERLINK(...)" is stored as quoted
text, never as a formula (SECURITY.md "Input and files"). Seat numbers are numbers; photos are the JPEG
bytes the caller already re-encoded, embedded as they are.
"""

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.units import pixels_to_EMU

from skilleval.core.pdf.roster import COLUMNS, SIGN_IN_TITLE, RosterData, RosterRow, session_time
from skilleval.core.spreadsheets.export import _cell, _save

SIGN_IN_SHEET = "签到表"
SEAT_SHEET = "座位表"
SEAT_HEADER = ("座位号", "准考证号", "姓名")

# Column widths in characters, in the order of roster.COLUMNS (the PDF's columns).
_WIDTHS = (8, 11, 17, 12, 22, 24, 18, 10)
_PHOTO_COLUMN = 1  # 0-based: B
# A 15 x 21 mm photo at 96 dpi, in a cell of about 80 x 88 pixels (width 11 characters, height 66 points).
_PHOTO_PX = (57, 79)
_CELL_PX = (82, 88)
_ROW_POINTS = _CELL_PX[1] * 0.75

_MIDDLE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_PLAIN = Alignment(horizontal="left", vertical="center")  # not wrapped: runs on over empty cells
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def roster_xlsx(data: RosterData) -> bytes:
    workbook = Workbook(write_only=True)
    _sign_in_sheet(workbook.create_sheet(SIGN_IN_SHEET), data)
    _seat_sheet(workbook.create_sheet(SEAT_SHEET), data)
    return _save(workbook)


def _sign_in_sheet(sheet, data: RosterData) -> None:
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    rows = data.by_seat
    header_rows = [
        [_text(sheet, SIGN_IN_TITLE, font=_TITLE, align=_PLAIN)],
        _details(sheet, "评价机构", data.organization),
        _details(sheet, "认定项目", data.item),
        _details(sheet, "考试科目", data.subject, "考试时间", session_time(data)),
        _details(sheet, "考点", data.venue, "考场", data.room),
        [],
        [_text(sheet, heading, font=_BOLD, border=_BOX) for heading, _ in COLUMNS],
    ]
    first = len(header_rows) + 1  # the row of the first candidate, 1-based
    # Row heights are written with the row, so they are set before it.
    for number in range(first, first + len(rows)):
        sheet.row_dimensions[number].height = _ROW_POINTS
    for cells in header_rows:
        sheet.append(cells)
    for offset, row in enumerate(rows):
        sheet.append(_candidate(sheet, row))
        if row.photo_jpeg:
            sheet.add_image(_photo(row.photo_jpeg, first + offset))
    sheet.append([])
    totals = (f"应到 {len(rows)} 人", "实到 ____ 人", "缺考 ____ 人")
    sheet.append([None, None, *(_text(sheet, text, align=_PLAIN) for text in totals)])
    sheet.append([None, None, _text(sheet, "监考员签名：______________", align=_PLAIN)])
    sheet.freeze_panes = f"A{first}"
    sheet.print_title_rows = f"{first - 1}:{first - 1}"


def _details(sheet, *pairs: str) -> list:
    """Label and value in A and B, a second pair in E and F; the values run on over the empty cells."""
    cells = []
    for index in range(0, len(pairs), 2):
        if index:
            cells += [None, None]
        cells += [
            _text(sheet, pairs[index], font=_BOLD, align=_PLAIN),
            _text(sheet, pairs[index + 1], align=_PLAIN),
        ]
    return cells


def _candidate(sheet, row: RosterRow) -> list:
    seat = WriteOnlyCell(sheet, row.seat)
    seat.alignment, seat.border = _MIDDLE, _BOX
    texts = [
        "" if row.photo_jpeg else "无照片",
        row.ticket_number,
        row.name,
        row.id_masked,
        row.institution,
        "",  # 签名: signed on paper
        "",  # 备注
    ]
    return [seat, *(_text(sheet, text, border=_BOX) for text in texts)]


def _photo(jpeg: bytes, row: int) -> Image:
    """The photo centred in its cell of the photo column, at the size the PDF prints it."""
    image = Image(io.BytesIO(jpeg))
    width, height = _PHOTO_PX
    image.width, image.height = width, height
    start = AnchorMarker(
        col=_PHOTO_COLUMN,
        colOff=pixels_to_EMU((_CELL_PX[0] - width) // 2),
        row=row - 1,
        rowOff=pixels_to_EMU((_CELL_PX[1] - height) // 2),
    )
    image.anchor = OneCellAnchor(
        _from=start, ext=XDRPositiveSize2D(pixels_to_EMU(width), pixels_to_EMU(height))
    )
    return image


def _seat_sheet(sheet, data: RosterData) -> None:
    for letter, width in zip("ABC", (8, 17, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append([_text(sheet, heading, font=_BOLD, border=_BOX) for heading in SEAT_HEADER])
    for row in data.by_seat:
        seat = WriteOnlyCell(sheet, row.seat)
        seat.alignment, seat.border = _MIDDLE, _BOX
        sheet.append(
            [seat, _text(sheet, row.ticket_number, border=_BOX), _text(sheet, row.name, border=_BOX)]
        )
    sheet.freeze_panes = "A2"


def _text(
    sheet, text: str, *, font: Font | None = None, align: Alignment = _MIDDLE, border: Border | None = None
):
    """A text cell written by export's neutralising writer, then laid out."""
    cell = _cell(sheet, text, font=font)
    if isinstance(cell, str):
        cell = WriteOnlyCell(sheet, cell)
    cell.alignment = align
    if border is not None:
        cell.border = border
    return cell
