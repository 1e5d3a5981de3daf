"""The .xlsx checks that run before any parser sees the file.

python-calamine is fast but trusts the file: two cells at A1 and XFD1048576 make it allocate 512 GiB and
abort the whole process (a Rust abort is not an exception), and a shared-strings part declaring
uniqueCount="4000000000" does the same. So the zip is checked first (entry count, declared and actual sizes,
compression ratio, overlapping entries, names, macros, external links, DTDs), then every part is streamed
once, in bounded memory, to verify its real size and to find, with byte searches and regexes that only
match offending cells, any valued cell beyond the row or column limit and any formula. Only then does
calamine parse, and what it allocates is bounded by those limits.
"""

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from skilleval.core.spreadsheets.errors import KIND_NAMES, refuse
from skilleval.core.spreadsheets.limits import Limits

MAX_ENTRIES = 1000
MAX_UNCOMPRESSED = 256 * 1024 * 1024  # all parts together, as declared and as actually inflated
MAX_RATIO = 100  # ordinary sheets compress 5-30x; zeros compress ~1000x
RATIO_FLOOR = 1024 * 1024  # small parts (styles, themes) may compress better; they cannot bomb
MAX_SMALL_PART = 4 * 1024 * 1024  # workbook.xml, relationships, content types: parsed as trees
CHUNK = 1024 * 1024
MAX_CARRY = 8 * 1024 * 1024  # the longest stretch without a '>' we keep between chunks
MAX_FORMULAS_REPORTED = 10

_MAIN_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    }
)
_MACRO_NAMES = ("vbaproject.bin", "vbaprojectsignature.bin")
_MACRO_DIRS = ("xl/macrosheets/", "xl/activex/", "xl/dialogsheets/")
_EXTERNAL_DIRS = ("xl/externallinks/", "xl/querytables/")
_EXTERNAL_PARTS = frozenset({"xl/connections.xml"})
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_UNSAFE_NAME = re.compile(r"(?:^|/)\.\.(?:/|$)|^[/\\]|\\|:|[\x00-\x1f\x7f]")
_SHEET_DATA = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData[\s>/]")
_SST = re.compile(rb"<([A-Za-z_][\w.-]*:)?sst\b[^>]*?\suniqueCount\s*=\s*[\"'](\d{1,20})[\"']")
_CELL_REF = re.compile(rb"\sr\s*=\s*[\"']([A-Z]{1,7})([0-9]{1,10})[\"']")
_FORMULA_NEXT = frozenset(b" \t\r\n>/")


@dataclass
class XlsxScan:
    """What the pre-scan learned: which sheet to read and where the formulas are (row, column letters)."""

    sheet_name: str
    formulas: list[tuple[int, str]] = field(default_factory=list)


def scan_xlsx(data: bytes, limits: Limits) -> XlsxScan:
    """Refuse a hostile or unreadable .xlsx, or say which sheet to read and where its formulas are."""
    # The central directory is parsed into objects by zipfile; count its records before it does.
    if data.count(b"PK\x01\x02") > MAX_ENTRIES:
        raise refuse("zip_too_many_entries", limit=MAX_ENTRIES)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, struct.error):
        raise refuse("corrupt") from None
    if len(infos) > MAX_ENTRIES:
        raise refuse("zip_too_many_entries", limit=MAX_ENTRIES)
    by_name = _check_entries(data, infos)
    _check_active_content(by_name)
    _check_content_types(archive, by_name)
    sheet_name, sheet_part = _first_worksheet(archive, by_name)
    scan = XlsxScan(sheet_name)
    for info in sorted(infos, key=lambda i: i.header_offset):
        _stream_part(archive, info, scan if info.filename.lower() == sheet_part else None, limits)
    return scan


def _check_entries(data: bytes, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """Names, flags, methods, declared sizes and ratios, local headers against the central directory."""
    by_name: dict[str, zipfile.ZipInfo] = {}
    declared_total = 0
    previous_end = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        name = info.filename
        if not name or _UNSAFE_NAME.search(name) or name.lower() in by_name:
            raise refuse("zip_unsafe_name")
        by_name[name.lower()] = info
        if info.flag_bits & 0x1:
            raise refuse("encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise refuse("unsupported_structure")
        declared_total += info.file_size
        if declared_total > MAX_UNCOMPRESSED:
            raise refuse("zip_too_large", limit_mb=MAX_UNCOMPRESSED // (1024 * 1024))
        if info.file_size > RATIO_FLOOR and info.file_size > info.compress_size * MAX_RATIO:
            raise refuse("zip_ratio")
        start, end = _local_span(data, info)
        # Entries sharing bytes are the overlapping-file zip bomb: honest sizes, one payload counted often.
        if start < previous_end:
            raise refuse("zip_ratio")
        previous_end = end
    return by_name


def _local_span(data: bytes, info: zipfile.ZipInfo) -> tuple[int, int]:
    offset = info.header_offset
    try:
        sig, _, flags, method, _, _, crc, csize, usize, name_len, extra_len = _LOCAL_HEADER.unpack_from(
            data, offset
        )
    except struct.error:
        raise refuse("corrupt") from None
    if sig != b"PK\x03\x04" or method != info.compress_type:
        raise refuse("zip_size_mismatch")
    # Without a data descriptor (flag 3) the local header repeats the sizes; zip64 puts 0xFFFFFFFF there.
    repeats_sizes = not flags & 0x8 and 0xFFFFFFFF not in (csize, usize)
    if repeats_sizes and (crc, csize, usize) != (info.CRC, info.compress_size, info.file_size):
        raise refuse("zip_size_mismatch")
    start = offset + _LOCAL_HEADER.size + name_len + extra_len
    end = start + info.compress_size
    if end > len(data):
        raise refuse("zip_size_mismatch")
    return offset, end


def _check_active_content(by_name: dict[str, zipfile.ZipInfo]) -> None:
    for name in by_name:
        if name.endswith(_MACRO_NAMES) or name.startswith(_MACRO_DIRS):
            raise refuse("macro")
        if name.startswith(_EXTERNAL_DIRS) or name in _EXTERNAL_PARTS:
            raise refuse("external_link")


def _not_a_workbook() -> Exception:
    actual_zh, actual_en = KIND_NAMES["zip"]
    return refuse("wrong_type", extension="xlsx", actual_zh=actual_zh, actual_en=actual_en)


def _check_content_types(archive: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo]) -> None:
    info = by_name.get("[content_types].xml")
    if info is None:
        raise _not_a_workbook()
    types = [
        element.get("ContentType", "")
        for element in _parse_small(archive, info).iter()
        if _local(element.tag) in ("Override", "Default")
    ]
    if any("macroenabled" in t.lower() or "vbaproject" in t.lower() for t in types):
        raise refuse("macro")
    if not _MAIN_TYPES.intersection(types):
        raise _not_a_workbook()


def _first_worksheet(archive: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo]) -> tuple[str, str]:
    """The first visible worksheet in workbook order (an instructions sheet may follow it), and its part."""
    workbook, rels = by_name.get("xl/workbook.xml"), by_name.get("xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        raise _not_a_workbook()
    targets: dict[str, tuple[str, str]] = {}
    for element in _parse_small(archive, rels).iter():
        if _local(element.tag) != "Relationship":
            continue
        if element.get("TargetMode", "").lower() == "external":
            raise refuse("external_link")
        targets[element.get("Id", "")] = (element.get("Type", ""), element.get("Target", ""))
    for element in _parse_small(archive, workbook).iter():
        tag = _local(element.tag)
        if tag == "externalReference":
            raise refuse("external_link")
        if tag != "sheet" or element.get("state", "visible") != "visible":
            continue
        rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        rel_type, target = targets.get(rel_id, ("", ""))
        if rel_type.endswith("/worksheet"):
            part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            return element.get("name", ""), posixpath.normpath(part).lower()
    raise refuse("no_sheet")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    if info.file_size > MAX_SMALL_PART:
        raise refuse("unsupported_structure")
    raw = b"".join(_inflate(archive, info))
    try:
        return SafeET.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise refuse("xml_dtd") from None
    except SafeET.ParseError:
        raise refuse("corrupt") from None


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in chunks, refusing as soon as it inflates past its declared size (or falls short)."""
    produced = 0
    try:
        with archive.open(info) as stream:
            while block := stream.read(CHUNK):
                produced += len(block)
                if produced > info.file_size:
                    raise refuse("zip_size_mismatch")
                yield block
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError):
        raise refuse("corrupt") from None
    if produced != info.file_size:
        raise refuse("zip_size_mismatch")


@lru_cache(maxsize=64)
def _cell_patterns(prefix: bytes, row_limit: int, max_columns: int) -> tuple[re.Pattern[bytes], ...]:
    """Regexes for one element prefix ('' or 'x:') and one set of limits.

    `beyond` only matches a valued (not self-closing) cell whose reference lies past the limits, so on a
    good sheet it scans at memchr speed and builds no match objects. `odd` finds cells it cannot judge
    (no reference, or attributes before `r`), which send the part to the slow, per-cell path.
    """
    p = re.escape(prefix)
    rows_over = _greater_than(str(row_limit), "0123456789")
    cols_over = _greater_than(column_letters(max_columns), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    beyond = re.compile(
        rb"<" + p + rb'c\s+r="(?:(' + cols_over + rb")[0-9]+|[A-Z]{1,3}(" + rows_over + rb'))"[^>/]*>'
    )
    odd = re.compile(rb"<" + p + rb'c(?:[>/]|\s++(?!r="[A-Z]))')
    any_cell = re.compile(rb"<" + p + rb"c(\s[^>]*?)?(/?)>")
    return beyond, odd, any_cell


def _greater_than(limit: str, alphabet: str) -> bytes:
    """A regex for strings over the ordered `alphabet` longer than `limit`, or as long and greater."""
    cls = f"[{alphabet[0]}-{alphabet[-1]}]"
    options = [f"{cls}{{{len(limit) + 1},}}"]
    for i, char in enumerate(limit):
        higher = alphabet[alphabet.index(char) + 1 :]
        if higher:
            options.append(f"{limit[:i]}[{higher[0]}-{higher[-1]}]{cls}{{{len(limit) - i - 1}}}")
    return ("(?:" + "|".join(options) + ")").encode()


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


def _stream_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, scan: XlsxScan | None, limits: Limits
) -> None:
    """Inflate one part once: DTDs, cells past the limits, shared-string counts, formulas (`scan`'s sheet)."""
    prefix: bytes | None = None
    row_end = b"</row>"
    sst_declared = sst_seen = 0
    sst_prefix: bytes | None = None
    slow = False
    carry = b""
    for block in _inflate(archive, info):
        buffer = carry + block
        if b"<!DOCTYPE" in buffer or b"<!ENTITY" in buffer:
            raise refuse("xml_dtd")
        if prefix is None and b"sheetData" in buffer and (sheet := _SHEET_DATA.search(buffer)):
            prefix = sheet.group(1) or b""
            row_end = b"</" + prefix + b"row>"
        # Cut after the last whole row (or tag), so no cell and no tag is split between two chunks.
        cut = buffer.rfind(row_end)
        cut = cut + len(row_end) if cut != -1 and len(buffer) - cut < MAX_CARRY else buffer.rfind(b">") + 1
        if cut == 0 and len(buffer) > MAX_CARRY:
            raise refuse("unsupported_structure")
        text, carry = buffer[:cut], buffer[cut:]
        if b"uniqueCount" in text and (sst := _SST.search(text)):
            sst_prefix, sst_declared = sst.group(1) or b"", max(sst_declared, int(sst.group(2)))
        if sst_prefix is not None:
            sst_seen += text.count(b"<" + sst_prefix + b"si>") + text.count(b"<" + sst_prefix + b"si ")
        beyond, odd, any_cell = _cell_patterns(prefix or b"", limits.last_row, limits.max_columns)
        slow = slow or odd.search(text) is not None
        if slow:
            _check_cells_slowly(text, any_cell, limits)
        elif hit := beyond.search(text):
            raise _beyond_limits(limits, columns=hit.group(1) is not None)
        if scan is not None and len(scan.formulas) < MAX_FORMULAS_REPORTED:
            _find_formulas(text, b"<" + (prefix or b""), scan)
    # calamine reserves room for uniqueCount strings up front: a count larger than the strings is a lie.
    if sst_declared > sst_seen:
        raise refuse("zip_size_mismatch")


def _beyond_limits(limits: Limits, *, columns: bool) -> Exception:
    if columns:
        return refuse("too_many_columns", limit=limits.max_columns)
    return refuse("too_many_rows", limit=limits.max_rows)


def _check_cells_slowly(text: bytes, any_cell: re.Pattern[bytes], limits: Limits) -> None:
    for match in any_cell.finditer(text):
        if match.group(2):  # self-closing: no value, calamine skips it
            continue
        ref = _CELL_REF.search(match.group(1) or b"")
        if ref is None:  # calamine would place it after the previous cell; we do not guess
            raise refuse("unsupported_structure")
        if column_number(ref.group(1).decode()) > limits.max_columns:
            raise _beyond_limits(limits, columns=True)
        if int(ref.group(2)) > limits.last_row:
            raise _beyond_limits(limits, columns=False)


def _find_formulas(text: bytes, open_tag: bytes, scan: XlsxScan) -> None:
    """Formula children (`<f>`, `<f t="shared" .../>`) of cells; `<filter>`, `<formula1>` are not formulas."""
    needle = open_tag + b"f"
    position = text.find(needle)
    while position != -1 and len(scan.formulas) < MAX_FORMULAS_REPORTED:
        after = position + len(needle)
        if after < len(text) and text[after] in _FORMULA_NEXT:
            cell = text.rfind(open_tag + b"c", 0, position)
            ref = _CELL_REF.search(text, cell, position) if cell != -1 else None
            scan.formulas.append((int(ref.group(2)), ref.group(1).decode()) if ref else (0, "?"))
        position = text.find(needle, after)
