"""A zip of photos named by ID number (团体申报): read only after its structure is judged safe.

Refused whole (nothing is read) when it is not a zip, holds too many entries, names a path outside a single
folder level (`../`, absolute, backslashes, drive letters, control characters), is encrypted, uses another
compression, declares entries larger than a photo may be, or compresses suspiciously well (photos barely
compress; a high ratio is a bomb). Entries are read with their declared size as the ceiling, and a header
that lies about its size fails the CRC check. SECURITY.md "Input and files".
"""

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from skilleval.core.validators import InvalidValue

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
_UNSAFE = re.compile(r"\.\.|^[/\\]|\\|:|[\x00-\x1f\x7f]")
MAX_RATIO = 5  # JPEG and PNG data hardly compress further; zeros compress ~1000x


class ZipRefused(InvalidValue):
    pass


@dataclass(frozen=True)
class PhotoEntry:
    name: str  # the file name inside the zip, as the user wrote it
    stem: str  # the name without folder and suffix: the ID number


def _refuse(code: str, zh: str, en: str) -> ZipRefused:
    return ZipRefused(code, zh, en)


def open_photo_zip(data: bytes, *, max_entries: int, max_entry_bytes: int) -> "PhotoZip":
    if not data.startswith(b"PK\x03\x04"):
        raise _refuse("not_zip", "文件不是 zip 压缩包", "The file is not a zip archive.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse("corrupt", "无法读取该 zip 压缩包", "The zip archive cannot be read.") from None
    files = [i for i in infos if not i.is_dir()]
    if len(files) > max_entries:
        raise _refuse(
            "too_many",
            f"压缩包内文件过多（最多 {max_entries} 个）",
            f"Too many files in the zip (at most {max_entries}).",
        )
    entries = []
    for info in infos:
        if _UNSAFE.search(info.filename) or posixpath.isabs(info.filename) or info.filename.count("/") > 1:
            raise _refuse(
                "unsafe_name",
                "压缩包内有不安全的文件路径，请把照片直接放在压缩包里（不要含“..”或多级目录）",
                "The zip holds an unsafe path; put the photos directly in it (no '..', no nested folders).",
            )
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise _refuse(
                "encrypted",
                "压缩包已加密，请去掉密码后重新上传",
                "The zip is encrypted; remove the password.",
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(
                "compression",
                "压缩方式不受支持，请用普通 zip 格式",
                "Unsupported compression; use a plain zip.",
            )
        if info.file_size > max_entry_bytes:
            raise _refuse("entry_too_large", "压缩包内有过大的文件", "A file in the zip is too large.")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse(
                "ratio", "压缩包内容异常（压缩比过高），不予处理", "The zip compresses suspiciously well."
            )
        base = posixpath.basename(info.filename)
        stem, suffix = posixpath.splitext(base)
        entries.append(
            (info, PhotoEntry(name=info.filename, stem=stem if suffix.lower() in PHOTO_SUFFIXES else ""))
        )
    return PhotoZip(archive, entries)


class PhotoZip:
    def __init__(self, archive: zipfile.ZipFile, entries):
        self._archive = archive
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[tuple[PhotoEntry, bytes | None]]:
        """Each entry with its bytes; None for a file that is not a photo by name or fails its checksum."""
        for info, entry in self._entries:
            if not entry.stem:
                yield entry, None
                continue
            try:
                with self._archive.open(info) as handle:
                    content = handle.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, ValueError):
                content = None  # a lying header fails the CRC here
            if content is not None and len(content) != info.file_size:
                content = None
            yield entry, content
