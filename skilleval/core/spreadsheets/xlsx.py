"""The .xlsx checks that run before any parser sees the file.

python-calamine is fast but trusts the file: two cells at A1 and XFD1048576 make it allocate 512 GiB and
abort the whole process (a Rust abort is not an exception), and a shared-strings part declaring
uniqueCount="4000000000" does the same. So the zip is checked first (entry count, declared sizes and
ratios, overlapping entries, local headers against the central directory, names, macros, external
links), then every part is inflated once, in 1 MiB chunks, to verify its real size, and the parts calamine
will parse are scanned (`sheetscan`) for DTDs, values beyond the row and column bounds, lying shared-string
counts and formulas. Only then does calamine parse, and what it allocates is bounded.
"""

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from skilleval.core.spreadsheets.errors import KIND_NAMES, refuse
from skilleval.core.spreadsheets.limits import Limits
from skilleval.core.spreadsheets.sheetscan import Formulas, check_prolog, scan_part

MAX_ENTRIES = 1000
MAX_UNCOMPRESSED = 256 * 1024 * 1024  # all parts together, as declared and as actually inflated
MAX_RATIO = 100  # ordinary sheets compress 5-30x; zeros compress ~1000x
RATIO_FLOOR = 1024 * 1024  # small parts (styles, themes) may compress better; they cannot bomb
MAX_SMALL_PART = 4 * 1024 * 1024  # workbook.xml, relationships, content types: parsed as trees
CHUNK = 1024 * 1024

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
_XML_NAMES = (".xml", ".rels", ".vml")
_SHARED_STRINGS = "xl/sharedstrings.xml"  # calamine opens exactly this path


@dataclass
class XlsxScan:
    """What the pre-scan learned: which sheet to read and where its formulas are (row, column letters)."""

    sheet_name: str
    formulas: list[tuple[int, str]]


def scan_xlsx(data: bytes, limits: Limits) -> XlsxScan:
    """Refuse a hostile or unreadable .xlsx, or say which sheet to read and where its formulas are."""
    # The central directory is parsed into objects by zipfile; count its records before it does.
    if data.count(b"PK\x01\x02") > MAX_ENTRIES:
        raise refuse("zip_too_many_entries", limit=MAX_ENTRIES)
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, struct.error):
        raise refuse("corrupt") from None
    if len(infos) > MAX_ENTRIES:
        raise refuse("zip_too_many_entries", limit=MAX_ENTRIES)
    by_name = _check_entries(data, infos)
    _check_active_content(by_name)
    _check_content_types(data, by_name)
    sheet_name, sheet_part, targets = _first_worksheet(data, by_name)
    formulas = Formulas()
    for info in sorted(infos, key=lambda i: i.header_offset):
        name = info.orig_filename.lower()
        chunks = _inflate(data, info)
        if name in targets or name == _SHARED_STRINGS:
            # Parts calamine parses as sheets (every workbook relationship target, spelled the ways readers
            # resolve it, whatever its extension) and the shared strings: scanned whole.
            scan_part(
                chunks,
                limits,
                cells=name in targets,
                formulas=formulas if name == sheet_part else None,
                shared_strings=name == _SHARED_STRINGS,
            )
        else:
            first = next(chunks, b"")
            if name.endswith(_XML_NAMES):
                check_prolog(first)
            for _ in chunks:  # size-checked only: calamine does not read these parts
                pass
    return XlsxScan(sheet_name, formulas.found)


def _check_entries(data: bytes, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """Names, flags, methods, declared sizes and ratios, local headers against the central directory."""
    by_name: dict[str, zipfile.ZipInfo] = {}
    declared_total = 0
    previous_end = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        name = info.orig_filename  # zipfile cuts `filename` at a NUL byte; other readers may not
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


def _check_content_types(data: bytes, by_name: dict[str, zipfile.ZipInfo]) -> None:
    info = by_name.get("[content_types].xml")
    if info is None:
        raise _not_a_workbook()
    types = [
        element.get("ContentType", "")
        for element in _parse_small(data, info).iter()
        if _local(element.tag) in ("Override", "Default")
    ]
    if any("macroenabled" in t.lower() or "vbaproject" in t.lower() for t in types):
        raise refuse("macro")
    if not _MAIN_TYPES.intersection(types):
        raise _not_a_workbook()


def _first_worksheet(data: bytes, by_name: dict[str, zipfile.ZipInfo]) -> tuple[str, str, set[str]]:
    """The first visible worksheet in workbook order (an instructions sheet may follow it), its part, and
    every part the workbook relationships point at, spelled the ways readers resolve a target."""
    workbook, rels = by_name.get("xl/workbook.xml"), by_name.get("xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        raise _not_a_workbook()
    targets: dict[str, tuple[str, str]] = {}
    spellings: set[str] = set()
    for element in _parse_small(data, rels).iter():
        if _local(element.tag) != "Relationship":
            continue
        if element.get("TargetMode", "").lower() == "external":
            raise refuse("external_link")
        target = element.get("Target", "")
        targets[element.get("Id", "")] = (element.get("Type", ""), target)
        spellings |= {_part_name(target), target.lower().lstrip("/"), f"xl/{target}".lower()}
    elements = list(_parse_small(data, workbook).iter())
    if any(_local(element.tag) in ("externalReference", "externalReferences") for element in elements):
        raise refuse("external_link")
    for element in elements:
        if _local(element.tag) != "sheet" or element.get("state", "visible") != "visible":
            continue
        rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        rel_type, target = targets.get(rel_id, ("", ""))
        if rel_type.endswith("/worksheet"):
            return element.get("name", ""), _part_name(target), spellings
    raise refuse("no_sheet")


def _part_name(target: str) -> str:
    """A relationship target of xl/workbook.xml as a zip entry name (relative to xl/, or absolute)."""
    part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return posixpath.normpath(part).lower()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse_small(data: bytes, info: zipfile.ZipInfo):
    if info.file_size > MAX_SMALL_PART:
        raise refuse("unsupported_structure")
    raw = b"".join(_inflate(data, info))
    try:
        return SafeET.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise refuse("xml_dtd") from None
    except SafeET.ParseError:
        raise refuse("corrupt") from None


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in chunks, inflated here from the raw deflate stream (not through zipfile, which
    silently cuts at the declared size), refusing as soon as it grows past its declared size."""
    start = info.header_offset + _LOCAL_HEADER.size
    start += sum(struct.unpack_from("<HH", data, info.header_offset + 26))  # name and extra field lengths
    payload = memoryview(data)[start : start + info.compress_size]
    produced = 0
    if info.compress_type == zipfile.ZIP_STORED:
        pieces: Iterator[bytes] = (bytes(payload[i : i + CHUNK]) for i in range(0, len(payload), CHUNK))
    else:
        pieces = _deflate_pieces(payload)
    for piece in pieces:
        produced += len(piece)
        if produced > info.file_size:
            raise refuse("zip_size_mismatch")
        yield piece
    # The CRC is left to calamine's zip reader, which checks it as it reads the same bytes.
    if produced != info.file_size:
        raise refuse("zip_size_mismatch")


def _deflate_pieces(payload: memoryview) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    position = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                piece = inflater.decompress(inflater.unconsumed_tail, CHUNK)
            elif position < len(payload):
                piece = inflater.decompress(payload[position : position + CHUNK], CHUNK)
                position += CHUNK
            else:
                raise refuse("corrupt")  # the stream ends before its final block
            if piece:
                yield piece
    except zlib.error:
        raise refuse("corrupt") from None
