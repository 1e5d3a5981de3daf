"""`read_table`: one upload (.xlsx, .xls or .csv) in, rows of text keyed by column out, or a refusal.

Every file-level check runs inside `read_table`, before it returns, so a caller that gets a `Table` knows
the file is safe to iterate; row-level problems (a number that lost digits, an overlong cell) travel with
the row, for the caller to report next to its own validation errors.
"""

import io
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from skilleval.core.spreadsheets import csvfile
from skilleval.core.spreadsheets.cells import CellProblem, cell_text
from skilleval.core.spreadsheets.detect import check_kind, extension_of, sniff
from skilleval.core.spreadsheets.errors import CellError, SpreadsheetRefused, cell_error, refuse
from skilleval.core.spreadsheets.limits import HEADER_WINDOW, Limits
from skilleval.core.spreadsheets.xls import open_compound, scan_xls
from skilleval.core.spreadsheets.xlsx import column_number, scan_xlsx


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column the caller wants. `headers` are the accepted header texts, the Chinese label first (it
    heads the template) and usually the English one second; matching ignores case, spaces, full-width forms
    and a required-mark `*`. `text` columns (ID numbers, phones) are formatted as Text in the template."""

    key: str
    headers: tuple[str, ...]
    required: bool = True
    text: bool = False
    example: str = ""

    @property
    def label(self) -> str:
        return self.headers[0]

    @property
    def label_en(self) -> str:
        return self.headers[1] if len(self.headers) > 1 else self.headers[0]


@dataclass(frozen=True, slots=True)
class Row:
    """`number` is the row number Excel shows (header = 1 for a template-shaped file); `values` holds every
    requested key, "" when empty or absent; `errors` are this row's parse problems (their cells are "")."""

    number: int
    values: dict[str, str]
    errors: tuple[CellError, ...] = ()


class Table:
    """A checked upload, iterated once for its data rows. `headers` maps each found key to the header text
    the user wrote; `max_data_rows` is an upper bound (blank rows are skipped while iterating)."""

    def __init__(
        self,
        *,
        kind: str,
        sheet_name: str | None,
        header_row: int,
        headers: dict[str, str],
        max_data_rows: int,
        rows: Iterator[Row],
    ):
        self.kind = kind
        self.sheet_name = sheet_name
        self.header_row = header_row
        self.headers = headers
        self.max_data_rows = max_data_rows
        self._rows: Iterator[Row] | None = rows

    def __iter__(self) -> Iterator[Row]:
        rows, self._rows = self._rows, None
        if rows is None:
            raise RuntimeError("a Table is read once")
        return rows


def read_table(
    data: bytes | BinaryIO,
    *,
    filename: str,
    columns: Sequence[ColumnSpec],
    max_rows: int,
    max_bytes: int,
    max_columns: int = 50,
    max_cell_chars: int = 2000,
) -> Table:
    """Check an upload and map its header; raises `SpreadsheetRefused` for any file-level problem."""
    limits = Limits(
        max_bytes=max_bytes, max_rows=max_rows, max_columns=max_columns, max_cell_chars=max_cell_chars
    )
    names = _header_names(columns)
    extension = extension_of(filename)
    raw = _read_bounded(data, max_bytes)
    if not raw.strip():
        raise refuse("file_empty")
    if extension == "xlsx" and sniff(raw[:16]) == "ole2":
        _refuse_ole2_as_xlsx(raw)
    kind = check_kind(extension, raw[:64])
    if kind == "csv":
        text = csvfile.decode(raw)
        del raw
        last_row = csvfile.count_rows(text, limits)
        source: Iterator[tuple[int, list]] = enumerate(csvfile.records(text, limits), start=1)
        sheet_name, formulas, start_column = None, [], 0
    else:
        scan = scan_xlsx(raw, limits) if kind == "xlsx" else scan_xls(raw, limits)
        sheet = _load_sheet(raw, scan.sheet_name)
        del raw
        if sheet.start is None:
            raise refuse("sheet_empty")
        last_row, start_column = sheet.end[0] + 1, sheet.start[1]
        source = enumerate(sheet.iter_rows(), start=1)
        sheet_name, formulas = scan.sheet_name, scan.formulas
    header_row, header_cells = _find_header(source, names, columns)
    headers, positions = _map_header(header_cells, names, columns)
    if formulas:
        raise SpreadsheetRefused(
            [
                cell_error("formula", row=row, column=_header_at(header_cells, letters, start_column))
                for row, letters in formulas
            ]
        )
    if last_row - header_row > max_rows:
        raise refuse("too_many_rows", limit=max_rows)
    mapping = [(spec.key, positions.get(spec.key), headers.get(spec.key, spec.label)) for spec in columns]
    return Table(
        kind=kind,
        sheet_name=sheet_name,
        header_row=header_row,
        headers=headers,
        max_data_rows=max(last_row - header_row, 0),
        rows=_rows(source, mapping, limits.max_cell_chars),
    )


def _read_bounded(data: bytes | BinaryIO, max_bytes: int) -> bytes:
    """At most `max_bytes`; a stream is read no further than one byte past the limit."""
    raw = (
        bytes(data[: max_bytes + 1])
        if isinstance(data, bytes | bytearray | memoryview)
        else data.read(max_bytes + 1)
    )
    if len(raw) > max_bytes:
        raise refuse("file_too_large", limit_mb=f"{max_bytes / (1024 * 1024):g}")
    return raw


def _refuse_ole2_as_xlsx(raw: bytes) -> None:
    """An .xlsx with an open password is an OLE2 file holding an encrypted package: say so."""
    try:
        names = open_compound(raw).names()
    except SpreadsheetRefused:
        return
    if "EncryptedPackage" in names:
        raise refuse("encrypted")


def _load_sheet(raw: bytes, sheet_name: str):
    import python_calamine  # imported here: the CSV path and the export helpers do not need it

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
        return workbook.get_sheet_by_name(sheet_name)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a Rust panic reaches Python as pyo3's PanicException, a BaseException
        raise refuse("corrupt") from None


def _normalise(header: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", header).split()).casefold().strip("*")
    for mark in ("(必填)", "(选填)", "(required)", "(optional)"):
        text = text.removesuffix(mark)
    return text.strip("*")


def _header_names(columns: Sequence[ColumnSpec]) -> dict[str, str]:
    names: dict[str, str] = {}
    for spec in columns:
        for header in spec.headers:
            key = names.setdefault(_normalise(header), spec.key)
            if key != spec.key:
                raise ValueError(f"header {header!r} is given for both {key!r} and {spec.key!r}")
    return names


def _header_key(cell: object, names: dict[str, str]) -> str | None:
    if type(cell) is not str or not cell:
        return None
    text = _normalise(cell)
    if text in names:
        return names[text]
    for part in text.split("/"):  # a bilingual header, "身份证号 / ID number"
        if part in names:
            return names[part]
    return None


def _find_header(
    source: Iterator[tuple[int, list]], names: dict[str, str], columns: Sequence[ColumnSpec]
) -> tuple[int, list]:
    """The first row, among the first HEADER_WINDOW, in which some cell is a known header."""
    for number, cells in source:
        if any(_header_key(cell, names) for cell in cells):
            return number, cells
        if number >= HEADER_WINDOW:
            break
    required = [spec for spec in columns if spec.required] or list(columns)
    raise refuse(
        "header_not_found",
        window=HEADER_WINDOW,
        expected_zh="、".join(spec.label for spec in required),
        expected_en=", ".join(spec.label_en for spec in required),
    )


def _map_header(
    cells: list, names: dict[str, str], columns: Sequence[ColumnSpec]
) -> tuple[dict[str, str], dict[str, int]]:
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    errors: list[CellError] = []
    for index, cell in enumerate(cells):
        key = _header_key(cell, names)
        if key is None:
            continue
        if key in positions:
            errors.append(cell_error("duplicate_column", column=cell.strip()))
            continue
        headers[key], positions[key] = cell.strip(), index
    errors += [
        cell_error("missing_column", column=spec.label)
        for spec in columns
        if spec.required and spec.key not in positions
    ]
    if errors:
        raise SpreadsheetRefused(errors)
    return headers, positions


def _header_at(cells: list, letters: str, start_column: int) -> str:
    """The header text above a column given by letters (calamine's rows start at the first used column)."""
    index = column_number(letters) - 1 - start_column if letters.isalpha() else -1
    if 0 <= index < len(cells) and type(cells[index]) is str and cells[index].strip():
        return cells[index].strip()
    return letters


def _rows(
    source: Iterator[tuple[int, list]], mapping: list[tuple[str, int | None, str]], max_chars: int
) -> Iterator[Row]:
    for number, cells in source:
        if cells.count("") == len(cells):
            continue
        values: dict[str, str] = {}
        errors: list[CellError] = []
        filled = False
        width = len(cells)
        for key, index, header in mapping:
            raw = cells[index] if index is not None and index < width else ""
            if type(raw) is str:
                text = raw.strip()
            else:
                try:
                    text = cell_text(raw)
                except CellProblem as problem:
                    errors.append(cell_error(problem.code, row=number, column=header))
                    text = ""
            if len(text) > max_chars:
                errors.append(cell_error("cell_too_long", row=number, column=header, limit=max_chars))
                text = ""
            values[key] = text
            filled = filled or bool(text)
        if filled or errors:
            yield Row(number, values, tuple(errors))
