"""Writing CSV and XLSX files whose cells a spreadsheet program can never run
as formulas ("CSV injection").

Household and producer names come from imported files and forms. Text that
starts with ``=``, ``+``, ``-`` or ``@`` becomes a formula when staff open an
export in Excel or WPS, and a formula can fetch addresses or run commands.
Such text gets a leading apostrophe, which spreadsheet programs treat as
"this is text"; numbers (negative amounts included) are left alone.
"""

import csv
import io
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

NUMBER = re.compile(r"-?\d+(\.\d+)?")


def inert(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def xlsx_cell(value: Any) -> Any:
    """``inert``, without the control characters an XLSX file cannot hold: text typed
    into a form (a purpose, a reason) may carry them, and openpyxl would refuse the
    whole workbook."""
    value = inert(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """The rows (the header first) as CSV text, every cell made inert."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([inert(value) for value in row])
    return out.getvalue()


# Excel refuses sheet titles longer than this.
SHEET_TITLE_MAX = 31


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a header, then the rows. The columns numbered in
    ``decimal_columns`` (0-based) show two decimals."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    decimal_columns: Collection[int] = ()


def xlsx_bytes(
    *,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    decimal_columns: Collection[int] = (),
) -> bytes:
    """One sheet: a frozen header, then the rows with text cells made inert."""
    return xlsx_workbook([Sheet(title, header, rows, decimal_columns)])


def xlsx_workbook(sheets: Sequence[Sheet]) -> bytes:
    """A workbook of ``sheets`` in order, each as ``xlsx_bytes`` writes one."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:SHEET_TITLE_MAX])
        sheet.append(list(spec.header))
        for row in spec.rows:
            sheet.append([xlsx_cell(value) for value in row])
        for index, label in enumerate(spec.header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, len(label) * 2 + 2)
            if index - 1 in spec.decimal_columns:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "0.00"
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
