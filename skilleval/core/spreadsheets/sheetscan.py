"""One streaming pass over an .xlsx part's XML, before calamine parses it.

Regexes with a literal prefix (`<c r="`) run at memory speed in `re` as long as they almost never match,
so the checks are phrased as "find the offending thing": a valued cell beyond the row or column bound, a
cell this fast path cannot judge, a formula. A good sheet builds no match objects at all.

The bounds here are coarse on purpose (rows up to the next leading digit, columns up to the end of a
26-letter block: 20,010 rows → 29,999, 50 columns → AZ), because an exact "greater than 20010" regex is
an alternation that costs three times as much per cell; calamine's rectangle stays bounded all the same,
and the reader checks the exact limits on the loaded sheet. Parts written with a namespace prefix
(`<x:c>`, as the OpenXML SDK does) or with cells this path cannot judge go through a per-cell path.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from skilleval.core.spreadsheets.errors import refuse
from skilleval.core.spreadsheets.limits import Limits

MAX_CARRY = 8 * 1024 * 1024  # the longest stretch without a '>' we keep between chunks
MAX_FORMULAS_REPORTED = 10
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?[A-Za-z_]")
_ODD_PREFIXED = re.compile(rb":c[\s>/]")
_FORMULA_CANDIDATE = re.compile(rb"f[\s>/]")
_ANY_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(\s[^>]*?)?(/?)>")
_ANY_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CELL_REF = re.compile(rb"\sr\s*=\s*[\"']([A-Z]{1,7})([0-9]{1,10})[\"']")
_PREFIX_BEFORE_F = re.compile(rb"<[A-Za-z_][\w.-]*:$")
_UNIQUE_COUNT = re.compile(rb"uniqueCount\s*=\s*[\"'](\d{1,20})[\"']")


@dataclass
class Formulas:
    """Where the formulas of the sheet that will be read are: (Excel row, column letters)."""

    found: list[tuple[int, str]] = field(default_factory=list)

    def add(self, row: int, letters: str) -> None:
        if len(self.found) < MAX_FORMULAS_REPORTED:
            self.found.append((row, letters))

    @property
    def full(self) -> bool:
        return len(self.found) >= MAX_FORMULAS_REPORTED


def column_letters(number: int) -> str:
    """1 → A, 26 → Z, 27 → AA (Excel's bijective base 26)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


@dataclass(frozen=True)
class _Patterns:
    beyond: re.Pattern[bytes]  # a valued cell past the coarse bounds (group 1 set: past the columns)
    odd: re.Pattern[bytes]  # an unprefixed cell whose first attribute is not r="A1"


@lru_cache(maxsize=32)
def _patterns(last_row: int, max_columns: int) -> _Patterns:
    digits = str(last_row)
    rows = f"[0-9]{{{len(digits) + 1},}}"
    if digits[0] != "9":
        rows += f"|[{int(digits[0]) + 1}-9][0-9]{{{len(digits) - 1}}}"
    if max_columns <= 26:
        columns, letters = "[A-Z]{2,}", 1
    else:
        block = _LETTERS[(max_columns - 1) // 26 - 1]  # AA-AZ is block A, BA-BZ block B...
        columns = "[A-Z]{3,}" + (f"|[{chr(ord(block) + 1)}-Z][A-Z]" if block != "Z" else "")
        letters = 2
    beyond = f'<c r="(?:((?:{columns})[0-9])|[A-Z]{{1,{letters}}}(?:{rows})")[^>/]*>'
    return _Patterns(re.compile(beyond.encode()), re.compile(rb'<c(?! r="[A-Z])[\s>/]'))


def scan_part(
    chunks: Iterator[bytes],
    limits: Limits,
    *,
    cells: bool = True,
    formulas: Formulas | None = None,
    shared_strings: bool = False,
) -> None:
    """Refuse a part holding a DTD, (with `cells`) a valued cell past the limits, or a shared-string table
    that declares more strings than it holds; collect formula positions into `formulas` (the sheet read)."""
    state = _PartState(limits, cells, formulas, shared_strings)
    carry = b""
    for index, block in enumerate(chunks):
        buffer = carry + block if carry else block
        if index == 0:
            state.start(check_prolog(buffer))
        # Cut after the last whole row (or at least the last tag), so no cell is split between chunks.
        cut = buffer.rfind(state.row_end)
        cut = (
            cut + len(state.row_end)
            if cut != -1 and len(buffer) - cut < MAX_CARRY
            else buffer.rfind(b">") + 1
        )
        if cut == 0 and len(buffer) > MAX_CARRY:
            raise refuse("unsupported_structure")
        if cut:
            state.check(buffer, cut)
        carry = buffer[cut:]
    if carry:
        state.check(carry, len(carry))
    if state.declared > state.seen:  # calamine reserves room for uniqueCount strings before reading one
        raise refuse("zip_size_mismatch")


class _PartState:
    def __init__(self, limits: Limits, cells: bool, formulas: Formulas | None, shared_strings: bool):
        self.limits, self.cells, self.formulas, self.shared_strings = limits, cells, formulas, shared_strings
        self.patterns = _patterns(limits.last_row, limits.max_columns)
        self.prefix = b""
        self.row_end = b"</row>"
        self.slow = False
        self.declared = self.seen = 0
        self.last_cell = (
            b""  # the last cell start tag of the previous text, for a formula whose cell began there
        )

    def start(self, prefix: bytes) -> None:
        self.prefix, self.slow, self.row_end = prefix, prefix != b"", b"</" + prefix + b"row>"

    def check(self, buffer: bytes, end: int) -> None:
        if self.shared_strings:
            self.declared = max([self.declared, *(int(n) for n in _UNIQUE_COUNT.findall(buffer, 0, end))])
            self.seen += buffer.count(b"<" + self.prefix + b"si", 0, end)  # <si> and <si ...>: no other tag
        if not self.cells:
            return
        patterns = self.patterns
        if not self.slow and (patterns.odd.search(buffer, 0, end) or _ODD_PREFIXED.search(buffer, 0, end)):
            self.slow = True
        if self.slow:
            _check_cells_slowly(buffer, end, self.limits, self.formulas)
            return
        if hit := patterns.beyond.search(buffer, 0, end):
            raise _beyond(self.limits, columns=hit.group(1) is not None)
        if self.formulas is not None and not self.formulas.full:
            self.last_cell = _find_formulas(buffer, end, self.formulas, self.last_cell)


def check_prolog(buffer: bytes) -> bytes:
    """No DTD before the root element (OOXML never has one); returns the root element's prefix."""
    root = _ROOT.search(buffer)
    prolog_end = root.start() if root else len(buffer)
    if buffer.find(b"<!DOCTYPE", 0, prolog_end) != -1 or buffer.find(b"<!ENTITY", 0, prolog_end) != -1:
        raise refuse("xml_dtd")
    return (root.group(1) or b"") if root else b""


def _beyond(limits: Limits, *, columns: bool) -> Exception:
    if columns:
        return refuse("too_many_columns", limit=limits.max_columns)
    return refuse("too_many_rows", limit=limits.max_rows)


def _check_cells_slowly(buffer: bytes, end: int, limits: Limits, formulas: Formulas | None) -> None:
    """Every cell start tag, whatever its prefix and attribute order: exact limits, formulas."""
    for match in _ANY_CELL.finditer(buffer, 0, end):
        if match.group(2):  # self-closing: no value, calamine skips it
            continue
        ref = _CELL_REF.search(match.group(1) or b"")
        if ref is None:  # calamine would place it after the previous cell; we do not guess
            raise refuse("unsupported_structure")
        letters, row = ref.group(1).decode(), int(ref.group(2))
        if column_number(letters) > limits.max_columns:
            raise _beyond(limits, columns=True)
        if row > limits.last_row:
            raise _beyond(limits, columns=False)
        if formulas is not None and not formulas.full:
            following = buffer.find(b"<", match.end(), end)
            if following != -1 and _ANY_FORMULA.match(buffer, following):
                formulas.add(row, letters)


def _find_formulas(buffer: bytes, end: int, formulas: Formulas, last_cell: bytes) -> bytes:
    """Formula elements (`<f>`, `<f t="shared" .../>`, `<x:f>`) found by the rare letter f followed by a
    delimiter, then confirmed as a tag; `<filter>` or "of " in a text are not formulas."""
    position = 0
    while (hit := _FORMULA_CANDIDATE.search(buffer, position, end)) and not formulas.full:
        position = hit.end()
        start = hit.start()
        before = buffer[start - 1 : start]
        if before != b"<" and not (
            before == b":" and _PREFIX_BEFORE_F.search(buffer, max(0, start - 64), start)
        ):
            continue
        cell = buffer.rfind(b"<c ", 0, start)
        ref = _CELL_REF.search(buffer, cell, start) if cell != -1 else _CELL_REF.search(last_cell)
        if ref:
            formulas.add(int(ref.group(2)), ref.group(1).decode())
        else:
            formulas.add(0, "?")
    tail = buffer.rfind(b"<c ", 0, end)
    return buffer[tail : tail + 64] if tail != -1 else last_cell
