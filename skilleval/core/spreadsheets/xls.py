"""The .xls (BIFF8 in an OLE2 file) checks that run before calamine parses it.

The same dangers as .xlsx in another container: cells far apart make calamine allocate the rectangle
between them, a shared-string table may declare more strings than it holds, and macros, formulas and
links to other workbooks hide in records. One pass over the record headers (4 bytes each) finds them.
"""

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from skilleval.core.spreadsheets.errors import refuse
from skilleval.core.spreadsheets.limits import Limits
from skilleval.core.spreadsheets.ole2 import CompoundFile
from skilleval.core.spreadsheets.sheetscan import MAX_FORMULAS_REPORTED, column_letters

_BOF, _EOF, _BOUNDSHEET, _FILEPASS = 0x0809, 0x000A, 0x0085, 0x002F
_SST, _CONTINUE, _SUPBOOK = 0x00FC, 0x003C, 0x01AE
_FORMULA, _MULRK, _DIMENSIONS = 0x0006, 0x00BD, 0x0200
_MACRO_SHEET = 0x0040  # BOF of an Excel 4.0 macro sheet
_BIFF8_ROWS, _BIFF8_COLUMNS = 65536, 256
_MAX_RESERVED_CELLS = 65536 * 32  # ~80 MB of calamine cells, reserved for a formatted but empty range
# Records that put a value in one cell: FORMULA, NUMBER, LABELSST, LABEL, RK, BOOLERR, RSTRING.
_VALUE_CELLS = frozenset({0x0006, 0x0203, 0x00FD, 0x0204, 0x027E, 0x0205, 0x00D6})
_RECORD = struct.Struct("<HH")
_CELL = struct.Struct("<HH")
_BIFF8 = 0x0600
_SHEET_WORKSHEET, _SHEET_MACRO, _SHEET_VBA = 0, 1, 6
_MACRO_STORAGES = frozenset({"_VBA_PROJECT_CUR", "_VBA_PROJECT", "VBA", "Macros"})
_SUPBOOK_SELF, _SUPBOOK_ADDIN = 0x0401, 0x3A01


@dataclass
class XlsScan:
    """Which sheet to read (the first visible worksheet) and where its formulas are (row, column letters)."""

    sheet_name: str
    formulas: list[tuple[int, str]] = field(default_factory=list)


def open_compound(data: bytes) -> CompoundFile:
    try:
        return CompoundFile(data)
    except (struct.error, IndexError, ValueError):
        raise refuse("corrupt") from None


def scan_xls(data: bytes, limits: Limits) -> XlsScan:
    compound = open_compound(data)
    names = compound.names()
    if names & _MACRO_STORAGES:
        raise refuse("macro")
    if {"EncryptionInfo", "EncryptedPackage"} & names:
        raise refuse("encrypted")
    try:
        stream = compound.stream("Workbook")
        if stream is None:
            raise refuse("old_format") if compound.stream("Book") is not None else refuse("corrupt")
        return _walk(stream, limits)
    except (struct.error, IndexError, UnicodeDecodeError):
        raise refuse("corrupt") from None


def _walk(stream: bytes, limits: Limits) -> XlsScan:
    """Walk the records the way calamine does: the workbook globals from the start, then every sheet from
    the offset its BOUNDSHEET gives (calamine parses all sheets on open, so all are bounded)."""
    if stream[:2] != b"\x09\x08":
        raise refuse("corrupt")
    sheets = _walk_globals(stream)
    visible = [(offset, name) for offset, name, kind, shown in sheets if kind == _SHEET_WORKSHEET and shown]
    if not visible:
        raise refuse("no_sheet")
    chosen_offset, chosen_name = visible[0]
    formulas: list[tuple[int, str]] = []
    for offset, *_ in sheets:
        formulas += _walk_sheet(stream, offset, limits, report_formulas=offset == chosen_offset)
    return XlsScan(chosen_name, formulas[:MAX_FORMULAS_REPORTED])


def _records(stream: bytes, position: int) -> Iterator[tuple[int, int, int]]:
    """(type, body offset, length) up to and including the next EOF record."""
    end = len(stream)
    while position + 4 <= end:
        kind, length = _RECORD.unpack_from(stream, position)
        body = position + 4
        if body + length > end:
            raise refuse("corrupt")
        yield kind, body, length
        if kind == _EOF:
            return
        position = body + length


def _walk_globals(stream: bytes) -> list[tuple[int, str, int, bool]]:
    sheets: list[tuple[int, str, int, bool]] = []  # (offset of the sheet's BOF, name, type, visible)
    in_sst = False
    sst_declared = sst_bytes = 0
    for kind, body, length in _records(stream, 0):
        if kind == _BOF:
            _check_bof(stream, body)
        elif kind == _BOUNDSHEET:
            offset, visibility, sheet_type = struct.unpack_from("<IBB", stream, body)
            if sheet_type in (_SHEET_MACRO, _SHEET_VBA):
                raise refuse("macro")
            if offset >= len(stream):
                raise refuse("corrupt")
            sheets.append((offset, _short_string(stream, body + 6), sheet_type, visibility & 0x3F == 0))
        elif kind == _FILEPASS:
            raise refuse("encrypted")
        elif kind == _SST:
            sst_declared, sst_bytes = struct.unpack_from("<I", stream, body + 4)[0], length
        elif kind == _CONTINUE and in_sst:
            sst_bytes += length
        elif kind == _SUPBOOK and length >= 4 and _external(stream, body):
            raise refuse("external_link")
        in_sst = kind == _SST or (in_sst and kind == _CONTINUE)
    # Each string takes at least 3 bytes (length and flags); calamine reserves the declared count up front.
    if sst_declared * 3 > sst_bytes:
        raise refuse("zip_size_mismatch")
    return sheets


def _check_bof(stream: bytes, body: int) -> None:
    version, substream = struct.unpack_from("<HH", stream, body)
    if version != _BIFF8:
        raise refuse("old_format")
    if substream == _MACRO_SHEET:
        raise refuse("macro")


def _walk_sheet(
    stream: bytes, offset: int, limits: Limits, *, report_formulas: bool
) -> list[tuple[int, str]]:
    formulas: list[tuple[int, str]] = []
    last_row, max_col = limits.last_row - 1, limits.max_columns - 1  # BIFF counts from 0
    for kind, body, length in _records(stream, offset):
        if kind in _VALUE_CELLS or kind == _MULRK:
            if length < 6:
                raise refuse("corrupt")
            row, col = _CELL.unpack_from(stream, body)
            if kind == _MULRK:
                col = _CELL.unpack_from(stream, body + length - 4)[1]  # the last column of the run
            if col > max_col:
                raise refuse("too_many_columns", limit=limits.max_columns)
            if row > last_row:
                raise refuse("too_many_rows", limit=limits.max_rows)
            if kind == _FORMULA and report_formulas and len(formulas) < MAX_FORMULAS_REPORTED:
                formulas.append((row + 1, column_letters(col + 1)))
        elif kind == _BOF:
            _check_bof(stream, body)
        elif kind == _DIMENSIONS:
            _check_dimensions(stream, body, length, limits)
    return formulas


def _check_dimensions(stream: bytes, body: int, length: int, limits: Limits) -> None:
    """calamine reserves rows x columns cells from DIMENSIONS before reading a cell. The range may include
    formatted blank cells, so it is allowed some room beyond the limits, but never unbounded."""
    if length == 14:
        first_row, end_row, first_col, end_col = struct.unpack_from("<IIHH", stream, body)
    elif length == 10:
        first_row, end_row, first_col, end_col = struct.unpack_from("<HHHH", stream, body)
    else:
        raise refuse("corrupt")
    if end_row == 0 or end_col == 0:
        return
    rows, cols = end_row - first_row, end_col - first_col
    if rows < 0 or cols < 0:  # calamine subtracts unsigned numbers: this would wrap to billions
        raise refuse("zip_size_mismatch")
    if rows > _BIFF8_ROWS or cols > _BIFF8_COLUMNS or rows * cols > _MAX_RESERVED_CELLS:
        raise refuse("too_many_rows", limit=limits.max_rows)


def _external(stream: bytes, body: int) -> bool:
    """A SUPBOOK names another workbook unless it is this one (0x0401) or the add-in functions (0x3A01)."""
    return struct.unpack_from("<H", stream, body + 2)[0] not in (_SUPBOOK_SELF, _SUPBOOK_ADDIN)


def _short_string(stream: bytes, offset: int) -> str:
    length, high_byte = stream[offset], stream[offset + 1] & 0x1
    raw = stream[offset + 2 : offset + 2 + length * (2 if high_byte else 1)]
    return raw.decode("utf-16-le" if high_byte else "latin-1")
