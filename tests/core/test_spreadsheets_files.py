"""Builders for the spreadsheets the reader tests use, and checks that the good ones are real.

Everything is made here, in memory: good workbooks with openpyxl, hostile .xlsx by hand with zipfile (zip
bombs, lying sizes, macros, traversal names), and .xls files by a small BIFF8 + OLE2 writer, since no
installed tool writes .xls (xlwt is not installed and calamine only reads). The last tests prove the
writer's files are genuine: python-calamine reads them back.
"""

import io
import struct
import zipfile
import zlib
from functools import lru_cache

import python_calamine
from openpyxl import Workbook

# ---------------------------------------------------------------------------------------------- .xlsx


def xlsx_bytes(rows, *, title="报名信息", text_columns=()) -> bytes:
    """A workbook as Excel users make it (openpyxl, shared formatting); `text_columns` get the "@" format."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for letter in text_columns:
        for cell in sheet[letter]:
            cell.number_format = "@"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{extra}</Types>"
)
MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="报名信息" sheetId="1" r:id="rId1"/></sheets>{extra}</workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="{sheet_path}"/>{extra}</Relationships>'
)


def sheet_xml(body: str, *, prefix: str = "") -> str:
    """A worksheet part around `body` (the rows); `prefix` writes elements as `x:row`, the OpenXML SDK way."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    body = body.replace("<row", f"<{p}row").replace("</row", f"</{p}row") if prefix else body
    for tag in ("c", "v", "f", "is", "t"):
        if prefix:
            body = body.replace(f"<{tag}>", f"<{p}{tag}>").replace(f"<{tag} ", f"<{p}{tag} ")
            body = body.replace(f"</{tag}>", f"</{p}{tag}>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}='
        f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><{p}sheetData>{body}</{p}sheetData>'
        f"</{p}worksheet>"
    )


def inline_row(number: int, *values: str) -> str:
    """One row of inline strings, columns A, B, C..."""
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


HEADER_ROW = inline_row(1, "姓名", "身份证号", "手机号")


def raw_xlsx(
    sheet: str | bytes | None = None,
    *,
    parts: dict[str, bytes | str] | None = None,
    content_types_extra: str = "",
    main: str = MAIN,
    workbook_extra: str = "",
    rels_extra: str = "",
    method: int = zipfile.ZIP_DEFLATED,
    sheet_path: str = "worksheets/sheet1.xml",
) -> bytes:
    """A minimal, valid .xlsx written part by part, so a test can make exactly one part hostile."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(main=main, extra=content_types_extra))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(extra=workbook_extra))
        archive.writestr(
            "xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(sheet_path=sheet_path, extra=rels_extra)
        )
        archive.writestr(f"xl/{sheet_path}", sheet if sheet is not None else sheet_xml(HEADER_ROW))
        for name, content in (parts or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def hand_zip(members: list[tuple[str, bytes, int, int, int]], *, flags: int = 0x800) -> bytes:
    """A zip written byte by byte from (name, stored payload, method, CRC, uncompressed size) members, so the
    payload can be pre-compressed and the declared size can say anything."""
    local, central = b"", b""
    for name, payload, method, crc, size in members:
        encoded = name.encode()
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0x21, crc, len(payload), size, len(encoded), 0
        )
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                flags,
                method,
                0,
                0x21,
                crc,
                len(payload),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                len(local),
            )
            + encoded
        )
        local += header + encoded + payload
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0)
    return local + central + end


def deflated(data: bytes) -> tuple[bytes, int, int, int]:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zipfile.ZIP_DEFLATED, zlib.crc32(data), len(data)


def workbook_members() -> list[tuple[str, bytes, int, int, int]]:
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES.format(main=MAIN, extra=""),
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK.format(extra=""),
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS.format(sheet_path="worksheets/sheet1.xml", extra=""),
    }
    return [(name, *deflated(text.encode())) for name, text in parts.items()]


def zip_bomb_xlsx(megabytes: int = 1024, *, declared: int | None = None) -> bytes:
    """A workbook whose sheet part inflates to `megabytes` MiB of zeros (1 GiB → ~1 MB of file).

    Deflate flushed with Z_FULL_FLUSH restarts from an empty state, so every 1 MiB block of zeros compresses
    to the same bytes: the stream is that block repeated, and the gigabyte never exists in memory.
    `declared` makes the zip lie about the size it will inflate to."""
    block = bytes(1024 * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressed_block = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    payload = compressed_block * megabytes + packer.flush()
    size = megabytes * 1024 * 1024 if declared is None else declared
    sheet = ("xl/worksheets/sheet1.xml", payload, zipfile.ZIP_DEFLATED, _zeros_crc(megabytes), size)
    return hand_zip([*workbook_members(), sheet])


@lru_cache
def _zeros_crc(megabytes: int) -> int:
    block, crc = bytes(1024 * 1024), 0
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    return crc


def set_declared_size(
    data: bytes, name: str, size: int, *, local: bool = True, central: bool = True
) -> bytes:
    """Rewrite the uncompressed size a zip records for `name` (local header and/or central directory)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    patched = bytearray(data)
    if local:
        struct.pack_into("<I", patched, info.header_offset + 22, size)
    if central:
        needle = name.encode()
        position = data.find(b"PK\x01\x02")
        while position != -1:
            name_len = struct.unpack_from("<H", data, position + 28)[0]
            if data[position + 46 : position + 46 + name_len] == needle:
                struct.pack_into("<I", patched, position + 24, size)
            position = data.find(b"PK\x01\x02", position + 4)
    return bytes(patched)


# ----------------------------------------------------------------------------------------------- .xls


def biff_record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _xl_string(text: str) -> bytes:
    """XLUnicodeRichExtendedString as UTF-16 (the high-byte flag set), the form Chinese text needs."""
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


XF_GENERAL, XF_DATE, XF_TEXT = 0, 1, 2


def biff8_workbook(
    cells,
    *,
    sheet_name="报名信息",
    extra_globals=b"",
    extra_sheet=b"",
    dimensions=None,
    sst_unique=None,
    bof_version=0x0600,
) -> bytes:
    """A BIFF8 Workbook stream with one worksheet. `cells` are (row, col, value) from 0: str → LABELSST,
    float/int → NUMBER, ("date", serial) → NUMBER in a date format, ("formula", value) → FORMULA."""
    strings = sorted({v for _, _, v in cells if isinstance(v, str)})
    index = {s: i for i, s in enumerate(strings)}
    body = b""
    max_row = max((r for r, _, _ in cells), default=0)
    max_col = max((c for _, c, _ in cells), default=0)
    rows, cols = dimensions or (max_row + 1, max_col + 1)
    body += biff_record(0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0))
    for row, col, value in cells:
        if isinstance(value, str):
            body += biff_record(0x00FD, struct.pack("<HHHI", row, col, XF_TEXT, index[value]))
        elif isinstance(value, tuple) and value[0] == "date":
            body += biff_record(0x0203, struct.pack("<HHHd", row, col, XF_DATE, value[1]))
        elif isinstance(value, tuple) and value[0] == "formula":
            rgce = b"\x1e" + struct.pack("<H", int(value[1]))  # ptgInt
            fields = struct.pack("<HHHdHIH", row, col, XF_GENERAL, float(value[1]), 0, 0, len(rgce))
            body += biff_record(0x0006, fields + rgce)
        else:
            body += biff_record(0x0203, struct.pack("<HHHd", row, col, XF_GENERAL, float(value)))
    sheet = biff_record(0x0809, struct.pack("<HHHHII", bof_version, 0x0010, 0, 0, 0, 0))
    sheet += extra_sheet + body + biff_record(0x000A, b"")
    sst = struct.pack("<II", len(strings), len(strings) if sst_unique is None else sst_unique)
    sst += b"".join(_xl_string(s) for s in strings)
    xfs = b"".join(biff_record(0x00E0, struct.pack("<HH", 0, fmt) + bytes(16)) for fmt in (0, 14, 49))
    name = sheet_name.encode("utf-16-le")

    def globals_for(sheet_offset: int) -> bytes:
        boundsheet = struct.pack("<IBBBB", sheet_offset, 0, 0, len(sheet_name), 1) + name
        return (
            biff_record(0x0809, struct.pack("<HHHHII", bof_version, 0x0005, 0, 0, 0, 0))
            + biff_record(0x0042, struct.pack("<H", 1200))
            + xfs
            + biff_record(0x0085, boundsheet)
            + extra_globals
            + biff_record(0x00FC, sst)
            + biff_record(0x000A, b"")
        )

    head = globals_for(len(globals_for(0)))
    stream = head + sheet
    # Excel keeps the Workbook stream out of the mini stream (>= 4096 bytes); readers stop at the last EOF.
    return stream + bytes(max(0, 4096 - len(stream)))


def ole2_file(streams: dict[str, bytes], *, storages=()) -> bytes:
    """A version 3 compound file (512-byte sectors) holding `streams` (each >= 4096 bytes, so none goes to
    the mini stream) and empty `storages` (a macro project's `_VBA_PROJECT_CUR`, for instance)."""
    names = list(streams)
    stream_sectors = [(len(streams[n]) + 511) // 512 for n in names]
    entries = 1 + len(names) + len(storages)
    dir_sectors = (entries + 3) // 4
    n_fat = 1
    while n_fat * 128 < n_fat + dir_sectors + sum(stream_sectors):
        n_fat += 1
    fat = [0xFFFFFFFD] * n_fat
    first_dir = len(fat)
    fat += [first_dir + i + 1 for i in range(dir_sectors - 1)] + [0xFFFFFFFE]
    starts = []
    for count in stream_sectors:
        start = len(fat)
        starts.append(start)
        fat += [start + i + 1 for i in range(count - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (n_fat * 128 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, child: int = 0xFFFFFFFF, right: int = 0xFFFFFFFF):
        encoded = name.encode("utf-16-le") + b"\0\0"
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            encoded,
            len(encoded),
            kind,
            1,
            0xFFFFFFFF,
            right,
            child,
            bytes(16),
            0,
            0,
            0,
            start,
            size,
        )

    children = [(n, 2, starts[i], len(streams[n])) for i, n in enumerate(names)] + [
        (s, 1, 0, 0) for s in storages
    ]
    directory = entry("Root Entry", 5, 0xFFFFFFFE, 0, child=1)
    for i, (name, kind, start, size) in enumerate(children):
        directory += entry(name, kind, start, size, right=i + 2 if i + 1 < len(children) else 0xFFFFFFFF)
    directory += bytes(dir_sectors * 512 - len(directory))
    difat = list(range(n_fat)) + [0xFFFFFFFF] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("d0cf11e0a1b11ae1"),
        bytes(16),
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,
        n_fat,
        first_dir,
        0,
        4096,
        0xFFFFFFFE,
        0,
        0xFFFFFFFE,
        0,
    ) + struct.pack("<109I", *difat)
    body = struct.pack(f"<{len(fat)}I", *fat) + directory
    for name, count in zip(names, stream_sectors, strict=True):
        body += streams[name] + bytes(count * 512 - len(streams[name]))
    return header + body


def xls_bytes(cells, *, storages=(), **workbook_options) -> bytes:
    return ole2_file({"Workbook": biff8_workbook(cells, **workbook_options)}, storages=storages)


# ------------------------------------------------------------------------------- the builders are real


def test_the_xls_writer_makes_files_calamine_reads():
    data = xls_bytes(
        [(0, 0, "姓名"), (0, 1, "身份证号"), (1, 0, "张三"), (1, 1, "11010519491231002X"), (2, 2, 4.0)]
    )
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert workbook.sheet_names == ["报名信息"]
    rows = workbook.get_sheet_by_name("报名信息").to_python()
    assert rows[:2] == [["姓名", "身份证号", ""], ["张三", "11010519491231002X", ""]]
    assert rows[2][2] == 4.0


def test_the_xls_writer_marks_dates_as_dates():
    data = xls_bytes([(0, 0, "出生日期"), (1, 0, ("date", 45000.0))])
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert str(rows[1][0]) == "2023-03-15"


def test_the_hand_made_xlsx_is_read_by_calamine():
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw_xlsx())).get_sheet_by_index(0)
    assert rows.to_python() == [["姓名", "身份证号", "手机号"]]


def test_the_zip_bomb_is_a_megabyte_that_inflates_to_a_gigabyte():
    data = zip_bomb_xlsx(1024)
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size == 1024**3
    assert len(data) < 1.1 * 1024 * 1024
    with archive.open(info) as part:
        assert part.read(10 * 1024 * 1024) == bytes(10 * 1024 * 1024)


def test_a_lying_size_is_what_the_zip_records():
    data = set_declared_size(raw_xlsx(), "xl/worksheets/sheet1.xml", 10)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml").file_size == 10
