"""The safe spreadsheet reader under the group application import (团体申报), and the files that go back.

Pure Python (no Django): `read_table` checks an uploaded .xlsx, .xls or .csv against hostile content
(zip bombs, lying sizes, macros, external links, formulas, wrong types under a right name, row and column
limits) before anything parses it, and gives every cell as text. SECURITY.md "Input and files".
"""

from skilleval.core.spreadsheets.errors import CellError, SpreadsheetRefused
from skilleval.core.spreadsheets.export import (
    ERRORS_HEADER,
    FORMULA_STARTS,
    is_formula_like,
    neutralise_csv,
    template_xlsx,
    write_annotated_xlsx,
    write_csv,
    write_xlsx,
)
from skilleval.core.spreadsheets.reader import ColumnSpec, Row, Table, read_table

__all__ = [
    "ERRORS_HEADER",
    "FORMULA_STARTS",
    "CellError",
    "ColumnSpec",
    "Row",
    "SpreadsheetRefused",
    "Table",
    "is_formula_like",
    "neutralise_csv",
    "read_table",
    "template_xlsx",
    "write_annotated_xlsx",
    "write_csv",
    "write_xlsx",
]
