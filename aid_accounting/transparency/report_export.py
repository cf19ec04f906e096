"""Writing a ``reports.Report`` as CSV or XLSX.

Money columns hold integer fen. CSV gets them as yuan text
(``money.yuan_amount``, "12.50"); XLSX as numbers of yuan with two decimals
(``money.yuan_decimal``, exact), so no float ever rounds a fen.
"""

import io

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from aid_accounting.transparency.reports import Report
from core.money import yuan_amount, yuan_decimal
from core.spreadsheet import InertCsvWriter, inert

# Excel refuses sheet titles longer than this.
SHEET_TITLE_MAX = 31


def to_csv(report: Report) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese correctly."""
    out = io.StringIO()
    writer = InertCsvWriter(out)
    writer.writerow([column.label for column in report.columns])
    for row in report.rows:
        writer.writerow(
            [
                yuan_amount(value) if column.money else value
                for column, value in zip(report.columns, row, strict=True)
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(report: Report) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = report.title[:SHEET_TITLE_MAX]
    sheet.append([column.label for column in report.columns])
    for row in report.rows:
        sheet.append(
            [
                yuan_decimal(value) if column.money else inert(value)
                for column, value in zip(report.columns, row, strict=True)
            ]
        )
    for index, column in enumerate(report.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.label) * 2 + 2)
        if column.money:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "0.00"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
