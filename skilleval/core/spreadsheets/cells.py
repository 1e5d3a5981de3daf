"""A cell value from calamine, made into the text the user typed.

Excel keeps 15 significant digits of a number: an 18-digit ID number typed into a General cell is already
wrong in the file (110105194912310020 became 110105194912310000), so such a cell is an error asking for
Text format, never a guess. Whole numbers that arrive as floats (4.0) are written "4"; dates are ISO.
"""

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

# Below 10**15 every whole number is exact in a double and Excel shows all of its digits.
_EXACT_LIMIT = 1e15


class CellProblem(Exception):
    """The cell cannot be given as text faithfully; `code` names the message (see errors.MESSAGES)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def number_text(value: float) -> str:
    if not math.isfinite(value) or abs(value) >= _EXACT_LIMIT:
        raise CellProblem("number_precision")
    if value.is_integer():
        return str(int(value))
    # 15 significant digits is what Excel shows; repr would print binary noise (0.30000000000000004).
    shown = f"{value:.15g}"
    if "e" in shown:  # tiny fractions: Excel shows 0.00001, not 1e-05
        shown = format(Decimal(shown), "f")
    return shown


def cell_text(value: object) -> str:
    """Text of one cell. Strings are stripped (including the ideographic space U+3000 that IMEs insert)."""
    kind = type(value)
    if kind is str:
        return value.strip()
    if kind is float:
        return number_text(value)
    if kind is int:
        if abs(value) >= _EXACT_LIMIT:
            raise CellProblem("number_precision")
        return str(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is date:
        return value.isoformat()
    if kind is datetime:
        if value.time() == time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if kind is time:
        return value.isoformat(timespec="seconds")
    if kind is timedelta:
        seconds = int(value.total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value).strip()
