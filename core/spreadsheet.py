"""Cells that a spreadsheet program would run as formulas ("CSV injection").

Household and producer names come from imported files and forms. Text that
starts with ``=``, ``+``, ``-`` or ``@`` becomes a formula when staff open an
export in Excel or WPS, and a formula can fetch addresses or run commands.
Such text gets a leading apostrophe, which spreadsheet programs treat as
"this is text"; numbers (negative amounts included) are left alone.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

NUMBER = re.compile(r"-?\d+(\.\d+)?")


def inert(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


class InertCsvWriter:
    """``csv.writer`` whose cells can never start a formula."""

    def __init__(self, out) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([inert(value) for value in row])
