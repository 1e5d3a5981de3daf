"""The bounds one upload is read under. `max_rows` and `max_bytes` are policy (the caller passes them);
the others are structural defaults that a good file never comes near."""

from dataclasses import dataclass

HEADER_WINDOW = 10  # the header may sit below a title row or two; it is looked for in this many rows


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_columns: int = 50
    max_cell_chars: int = 2000

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_rows, self.max_columns, self.max_cell_chars) < 1:
            raise ValueError("limits must be positive")
        if self.max_columns > 702:  # two column letters (ZZ); the pre-scan's bounds are built for that
            raise ValueError("max_columns is at most 702")

    @property
    def last_row(self) -> int:
        """The last Excel row number a value may sit in: the header window, then `max_rows` data rows."""
        return HEADER_WINDOW + self.max_rows
