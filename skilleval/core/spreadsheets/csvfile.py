"""CSV as Excel writes it in China: UTF-8 (with or without the BOM "CSV UTF-8" adds) or GB18030 (GBK, the
"ANSI" code page 936 that plain "CSV" uses on Chinese Windows)."""

import csv
import io
import re
from collections.abc import Iterator

from skilleval.core.spreadsheets.errors import refuse
from skilleval.core.spreadsheets.limits import Limits

_BOM = b"\xef\xbb\xbf"
# C0 controls other than tab, LF and CR never occur in a text table (and none is a GB18030 trail byte).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse("encoding")  # UTF-16 "Unicode text": ask for CSV UTF-8 rather than guess the layout
    if _CONTROL.search(data):
        raise refuse("binary_content")
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
        encodings: tuple[str, ...] = ("utf-8",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise refuse("encoding")


def records(text: str, limits: Limits) -> Iterator[list[str]]:
    """CSV records (a quoted cell may span lines; Excel shows such a record as one row)."""
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:  # a field over csv's own 131,072-character limit, or a stray quote at the end
            raise refuse("csv_malformed", row=number + 1) from None
        number += 1
        if len(record) > limits.max_columns and any(cell.strip() for cell in record[limits.max_columns :]):
            raise refuse("too_many_columns", limit=limits.max_columns)
        yield record


def count_rows(text: str, limits: Limits) -> int:
    """The number of the last non-empty record, refusing as soon as it passes `limits.last_row`."""
    last = 0
    for number, record in enumerate(records(text, limits), start=1):
        if record.count("") != len(record):
            last = number
            if last > limits.last_row:
                raise refuse("too_many_rows", limit=limits.max_rows)
    return last
