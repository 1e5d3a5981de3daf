"""What a file really is, judged by its first bytes, never by its name.

An upload named .csv that is a PNG, or an .xlsx that is an old .xls, is refused with both facts named
("wrong type under a right name"), so the user knows what to do.
"""

import posixpath

from skilleval.core.spreadsheets.errors import KIND_NAMES, refuse

EXTENSIONS = frozenset({"xlsx", "xls", "csv"})

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"MZ", "exe"),
    (b"\x7fELF", "exe"),
)
_MARKUP_STARTS = (b"<!doctype", b"<html", b"<?xml", b"<table", b"<meta", b"<head", b"<body")


def extension_of(filename: str) -> str:
    """The lower-case extension of the base name; browsers may send a path (old IE sends C:\\...)."""
    base = posixpath.basename(filename.replace("\\", "/"))
    _, dot, ext = base.rpartition(".")
    ext = ext.lower() if dot else ""
    if ext not in EXTENSIONS:
        raise refuse("unsupported_extension")
    return ext


def sniff(head: bytes) -> str:
    """'zip', 'ole2', a named binary kind, 'html' for markup, else 'csv' (text, checked further later)."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    text_start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text_start.startswith(_MARKUP_STARTS):
        return "html"
    return "csv"


def check_kind(extension: str, head: bytes) -> str:
    """The container to read ('xlsx', 'xls' or 'csv'); refuses when the content disagrees with the name."""
    kind = sniff(head)
    expected = {"xlsx": "zip", "xls": "ole2", "csv": "csv"}[extension]
    if kind != expected:
        shown = {"zip": "xlsx", "ole2": "xls"}.get(kind, kind)
        actual_zh, actual_en = KIND_NAMES[shown]
        raise refuse("wrong_type", extension=extension, actual_zh=actual_zh, actual_en=actual_en)
    return extension
