"""Writing a ``reports.Report`` as CSV or XLSX (``core.spreadsheet`` writes the files).

Money columns hold integer fen. CSV gets them as yuan text
(``money.yuan_amount``, "12.50"); XLSX as numbers of yuan with two decimals
(``money.yuan_decimal``, exact), so no float ever rounds a fen.
"""

from aid_accounting.transparency.reports import Report
from core.money import yuan_amount, yuan_decimal
from core.spreadsheet import csv_text, xlsx_bytes


def to_csv(report: Report) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese correctly."""
    rows = (
        [
            yuan_amount(value) if column.money else value
            for column, value in zip(report.columns, row, strict=True)
        ]
        for row in report.rows
    )
    return csv_text([_header(report), *rows]).encode("utf-8-sig")


def to_xlsx(report: Report) -> bytes:
    rows = (
        [
            yuan_decimal(value) if column.money else value
            for column, value in zip(report.columns, row, strict=True)
        ]
        for row in report.rows
    )
    money = [index for index, column in enumerate(report.columns) if column.money]
    return xlsx_bytes(title=report.title, header=_header(report), rows=rows, decimal_columns=money)


def _header(report: Report) -> list[str]:
    return [str(column.label) for column in report.columns]
