"""Files going back to institutions: the template, the annotated upload, exports.

Any cell whose text starts like a formula (= + - @, tab, CR, or the full-width ＝ ＋ － ＠ that Chinese IMEs
type) is neutralised (SECURITY.md "Input and files"): in .xlsx it is written as a string with Excel's
quote-prefix flag, so the text is unchanged and stays text even when someone edits the cell; in CSV, which
has no types, it gets a leading apostrophe (the OWASP advice). openpyxl on its own would write "=..." as a
live formula.
"""

import csv
import io
from collections.abc import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from skilleval.core.spreadsheets.errors import CellError
from skilleval.core.spreadsheets.reader import ColumnSpec

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
ERRORS_HEADER = "错误 / Errors"
_ERROR_FILL = PatternFill("solid", start_color="FFC7CE")  # Excel's own "light red fill"
_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C00000")
_EXAMPLE_FONT = Font(italic=True, color="808080")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralise_csv(text: str) -> str:
    return "'" + text if is_formula_like(text) else text


def _clean(value: object) -> str:
    # Control characters are illegal in XML; openpyxl would raise on them.
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


def _cell(sheet, value: object, *, fill: PatternFill | None = None, font: Font | None = None):
    """A plain str when harmless (fast); otherwise a cell forced to string type with the quote prefix."""
    text = _clean(value)
    if not is_formula_like(text) and fill is None and font is None:
        return text
    cell = WriteOnlyCell(sheet, text)
    if is_formula_like(text):
        cell.data_type = "s"
        cell.quotePrefix = True
    if fill is not None:
        cell.fill = fill
    if font is not None:
        cell.font = font
    return cell


def _save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_xlsx(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, sheet_title: str = "Sheet1"
) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append([_cell(sheet, text, font=_HEADER_FONT) for text in header])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    return _save(workbook)


def write_annotated_xlsx(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    errors_by_row: Mapping[int, Sequence[CellError | str]],
    *,
    lang: str = "zh",
) -> bytes:
    """The upload sent back with an "错误 / Errors" column. `errors_by_row` is keyed by the index in `rows`
    (0-based); a CellError whose `column` is one of `header` also highlights that cell."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误 Errors")
    for index in range(len(header) + 1):
        sheet.column_dimensions[get_column_letter(index + 1)].width = 60 if index == len(header) else 18
    sheet.append([_cell(sheet, text, font=_HEADER_FONT) for text in [*header, ERRORS_HEADER]])
    positions = {text: index for index, text in enumerate(header)}
    for index, row in enumerate(rows):
        errors = errors_by_row.get(index, ())
        marked = {positions.get(e.column) for e in errors if isinstance(e, CellError)} if errors else set()
        cells = [
            _cell(sheet, value, fill=_ERROR_FILL if i in marked else None) for i, value in enumerate(row)
        ]
        if errors:
            cells.append(_cell(sheet, "；".join(_describe(e, lang) for e in errors), fill=_ERROR_FILL))
        sheet.append(cells)
    return _save(workbook)


def _describe(error: CellError | str, lang: str) -> str:
    if isinstance(error, str):
        return error
    message = error.message_for(lang)
    if not error.column:
        return message
    return f"{error.column}: {message}" if lang.lower().startswith("en") else f"{error.column}：{message}"


def write_csv(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, encoding: str = "utf-8-sig"
) -> bytes:
    """CSV with a BOM by default, so Excel on Chinese Windows opens it as UTF-8 rather than GBK."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([neutralise_csv(_clean(text)) for text in header])
    for row in rows:
        writer.writerow([neutralise_csv(_clean(value)) for value in row])
    return out.getvalue().encode(encoding)


def template_xlsx(columns: Sequence[ColumnSpec], *, sheet_title: str = "报名信息") -> bytes:
    """The download template: the header row (required headers in red), one grey example row to delete,
    Text format on `text` columns so ID numbers and phones keep every digit, and an instructions sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for index, spec in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, 2 * len(spec.label) + 4)
        header = sheet.cell(row=1, column=index, value=_clean(spec.label))
        header.font = _REQUIRED_FONT if spec.required else _HEADER_FONT
        header.alignment = Alignment(horizontal="center")
        example = sheet.cell(row=2, column=index, value=_clean(spec.example))
        example.data_type = "s"
        example.font = _EXAMPLE_FONT
        if is_formula_like(example.value or ""):
            example.quotePrefix = True
        if spec.text:
            sheet.column_dimensions[letter].number_format = "@"
            example.number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明 Instructions")
    notes.append(["列名", "Column", "必填 / Required", "格式 / Format"])
    for spec in columns:
        notes.append(
            [
                _clean(spec.label),
                _clean(spec.label_en),
                "是 / yes" if spec.required else "否 / no",
                "文本 / Text" if spec.text else "",
            ]
        )
    notes.append([])
    notes.append(["第 2 行是示例，请删除后再填写。 Row 2 is an example: delete it before filling in."])
    notes.append(["请勿使用公式，单元格中只填写数值。 Do not use formulas: type values only."])
    return _save(workbook)
