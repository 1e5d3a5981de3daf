"""`read_table`: one upload (.xlsx, .xls or .csv) in, rows of text keyed by column out, or a refusal.

Every file-level check runs inside `read_table`, before it returns, so a caller that gets a `Table` knows
the file is safe to iterate; row-level problems (a number that lost digits, an overlong cell) travel with
the row, for the caller to report next to its own validation errors.
"""

import io
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import compress, islice, repeat
from typing import BinaryIO, NamedTuple

from skilleval.core.spreadsheets import csvfile
from skilleval.core.spreadsheets.cells import CellProblem, cell_text
from skilleval.core.spreadsheets.detect import check_kind, extension_of, sniff
from skilleval.core.spreadsheets.errors import CellError, SpreadsheetRefused, cell_error, refuse
from skilleval.core.spreadsheets.limits import HEADER_WINDOW, Limits
from skilleval.core.spreadsheets.sheetscan import column_number
from skilleval.core.spreadsheets.xls import open_compound, scan_xls
from skilleval.core.spreadsheets.xlsx import scan_xlsx


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


class Row(NamedTuple):
    """`number` is the row number Excel shows (header = 1 for a template-shaped file); `values` holds every
    requested key, "" when empty or absent; `errors` are this row's parse problems (their cells are "").
    A named tuple rather than a dataclass: a 20,000-row upload builds 20,000 of them."""

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
        source: Iterator[list] = csvfile.records(text, limits)
        sheet_name, formulas, start_column = None, [], 0
    else:
        scan = scan_xlsx(raw, limits) if kind == "xlsx" else scan_xls(raw, limits)
        sheet = _load_sheet(raw, scan.sheet_name)
        del raw
        if sheet.start is None:
            raise refuse("sheet_empty")
        last_row, start_column = sheet.end[0] + 1, sheet.start[1]
        # The pre-scan bounds are coarse (see sheetscan); these are the exact limits.
        if sheet.end[1] + 1 > max_columns:
            raise refuse("too_many_columns", limit=max_columns)
        if last_row > limits.last_row:
            raise refuse("too_many_rows", limit=max_rows)
        source = sheet.iter_rows()  # from Excel row 1, whatever the first used row (python-calamine pads)
        sheet_name, formulas = scan.sheet_name, scan.formulas
    header_row, header_cells = _find_header(source, names, columns)
    headers, positions, errors = _map_header(header_cells, names, columns)
    errors += [
        cell_error("formula", row=row, column=_header_at(header_cells, letters, start_column))
        for row, letters in formulas
    ]
    if errors:
        raise SpreadsheetRefused(errors)
    if last_row - header_row > max_rows:
        raise refuse("too_many_rows", limit=max_rows)
    width = len(header_cells)
    mapping = [
        (spec.key, positions.get(spec.key, width), headers.get(spec.key, spec.label)) for spec in columns
    ]
    return Table(
        kind=kind,
        sheet_name=sheet_name,
        header_row=header_row,
        headers=headers,
        max_data_rows=max(last_row - header_row, 0),
        rows=_rows(source, header_row + 1, mapping, width, limits.max_cell_chars),
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
    if not columns:
        raise ValueError("read_table needs at least one ColumnSpec")
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
    source: Iterator[list], names: dict[str, str], columns: Sequence[ColumnSpec]
) -> tuple[int, list]:
    """The first row, among the first HEADER_WINDOW, in which some cell is a known header."""
    for number, cells in enumerate(source, start=1):
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
) -> tuple[dict[str, str], dict[str, int], list[CellError]]:
    """Where each requested column is, and the header problems (duplicates, missing required columns)."""
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
    return headers, positions, errors


def _header_at(cells: list, letters: str, start_column: int) -> str:
    """The header text above a column given by letters (calamine's rows start at the first used column)."""
    index = column_number(letters) - 1 - start_column if letters.isalpha() else -1
    if 0 <= index < len(cells) and type(cells[index]) is str and cells[index].strip():
        return cells[index].strip()
    return letters


def _rows(
    source: Iterator[list], first_number: int, mapping: list[tuple[str, int, str]], width: int, max_chars: int
) -> Iterator[Row]:
    """The data rows, converted a batch at a time and a column at a time.

    This is the reader's own cost on top of calamine's: a batch is transposed once (`zip(*batch)`), a
    column of strings is one `map(str.strip, ...)`, and the dicts and rows are built by `map` too, so the
    interpreter loops per batch and per column, not per cell (a row-by-row loop cost 60 % more). Cells
    that are neither strings nor dates take `cell_text` one by one, and only a batch with a problem
    builds its rows in a Python loop.
    """
    keys = [key for key, _, _ in mapping]
    headers = [header for _, _, header in mapping]
    padding = [""] * width
    iso = lru_cache(maxsize=None)(date.isoformat)  # this table's distinct dates (birth dates repeat)
    number = first_number
    while batch := list(islice(source, _BATCH)):
        if set(map(len, batch)) != {width}:  # CSV records vary; calamine rows all have the sheet's width
            batch = [(cells + padding)[:width] for cells in batch]
        numbers = range(number, number + len(batch))
        number += len(batch)
        columns = list(zip(*batch, strict=True))
        blank = ("",) * len(batch)
        problems: dict[int, list[CellError]] = {}
        texts = [
            _column_texts(columns[index], numbers, header, problems, iso) if index < width else blank
            for (_, index, header) in mapping
        ]
        text_rows = list(zip(*texts, strict=True))
        # One joined length per row finds both blank rows (0) and rows that may hold an overlong cell.
        lengths = list(map(len, map("".join, text_rows)))
        if max(lengths) > max_chars:
            _cut_long_cells(texts, text_rows, numbers, headers, max_chars, problems)
        if problems:
            for i, (row_number, row_texts) in enumerate(zip(numbers, text_rows, strict=True)):
                if i in problems or lengths[i]:
                    yield Row(row_number, dict(zip(keys, row_texts, strict=True)), tuple(problems.get(i, ())))
            continue
        values = map(dict, map(zip, repeat(keys), text_rows))
        rows = map(tuple.__new__, repeat(Row), zip(numbers, values, repeat(())))  # Row(...) minus its
        yield from compress(rows, lengths) if lengths.count(0) else rows  # Python-level __new__


def _cut_long_cells(
    texts: list, text_rows: list[tuple], numbers: range, headers: list[str], max_chars: int, problems: dict
) -> None:
    """Empty every cell over `max_chars` (reporting it), in the columns and in the rows."""
    for position, column in enumerate(texts):
        if max(map(len, column)) <= max_chars:
            continue
        for i, text in enumerate(column):
            if len(text) > max_chars:
                error = cell_error("cell_too_long", row=numbers[i], column=headers[position], limit=max_chars)
                problems.setdefault(i, []).append(error)
                row = list(text_rows[i])
                row[position] = ""
                text_rows[i] = tuple(row)


_BATCH = 1024


def _column_texts(
    column: tuple, numbers: range, header: str, problems: dict[int, list[CellError]], iso
) -> list[str]:
    """One column of a batch as text. All strings (the usual case) is one C-level `map`; a column of
    dates formats each distinct date once (`iso`, a per-table cache: `date.isoformat` costs ~400 ns)."""
    try:
        return list(map(str.strip, column))
    except TypeError:  # not all strings
        pass
    if set(map(type, column)) == {date}:
        return list(map(iso, column))
    texts = []
    for i, cell in enumerate(column):
        try:
            texts.append(cell.strip() if type(cell) is str else cell_text(cell))
        except CellProblem as problem:
            problems.setdefault(i, []).append(cell_error(problem.code, row=numbers[i], column=header))
            texts.append("")
    return texts
