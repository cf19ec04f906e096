"""Reading Alipay's daily trade bill (业务明细), as downloaded: a zip holding the
detail CSV and a summary CSV, both in GBK. The detail file opens and ends with
comment lines (``#…``: account, period, totals); between them a header row, then one
row per payment (业务类型 交易) or refund (退款). Alipay pads numbers with a tab so
spreadsheets keep every digit, and writes refunds' amounts negative."""

import csv
import io
import zipfile
from datetime import datetime, tzinfo

from core.money import yuan_to_fen
from shop.payments.gateway import StatementLine

TRADE_NO = "支付宝交易号"
OUT_TRADE_NO = "商户订单号"
KIND = "业务类型"
AMOUNT = "订单金额（元）"
FEE = "服务费（元）"
OUT_REQUEST_NO = "退款批次号/请求号"
FINISHED_AT = "完成时间"
COLUMNS = (TRADE_NO, OUT_TRADE_NO, KIND, AMOUNT, FEE, OUT_REQUEST_NO, FINISHED_AT)
KINDS = {"交易": "payment", "退款": "refund"}
DETAIL_SUFFIX = "业务明细.csv"  # the summary is "…业务明细(汇总).csv"


class BillError(Exception):
    """The download is not a bill we can read in full."""


def statement_lines(archive: bytes, *, zone: tzinfo) -> list[StatementLine]:
    """The bill's rows, in order; its times are read in ``zone`` (Beijing time). A row
    that cannot be read raises BillError rather than go missing from a reconciliation."""
    rows = csv.reader(
        line for line in _detail_text(archive).splitlines() if line.strip() and line[0] != "#"
    )
    header = [cell.strip() for cell in next(rows, [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise BillError(f"no column {', '.join(missing)} in the bill's header")
    index = {column: header.index(column) for column in COLUMNS}
    lines = []
    for number, row in enumerate(rows, start=2):
        cells = [cell.strip() for cell in row]
        try:
            lines.append(_line({column: cells[at] for column, at in index.items()}, zone))
        except (IndexError, KeyError, ValueError) as error:
            raise BillError(f"row {number} of the bill's details: {error!r}") from error
    return lines


def _line(cells: dict[str, str], zone: tzinfo) -> StatementLine:
    kind = KINDS[cells[KIND]]
    trade_no = cells[TRADE_NO]
    return StatementLine(
        kind=kind,
        merchant_reference=cells[OUT_TRADE_NO] if kind == "payment" else cells[OUT_REQUEST_NO],
        # A refund is Alipay's trade number and our request number: it has no id of its own.
        external_id=trade_no if kind == "payment" else f"{trade_no}:{cells[OUT_REQUEST_NO]}",
        amount_fen=_unsigned_fen(cells[AMOUNT]),
        fee_fen=_unsigned_fen(cells[FEE]),  # charged on a payment, given back on a refund
        occurred_at=datetime.strptime(cells[FINISHED_AT], "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone),
    )


def _unsigned_fen(text: str) -> int:
    return yuan_to_fen(text.removeprefix("-"))


def _detail_text(archive: bytes) -> str:
    try:
        # Alipay writes the members' names in GBK without the zip's UTF-8 flag.
        with zipfile.ZipFile(io.BytesIO(archive), metadata_encoding="gb18030") as bill:
            names = [name for name in bill.namelist() if name.endswith(DETAIL_SUFFIX)]
            if len(names) != 1:
                raise BillError(f"expected one detail file, found {bill.namelist()}")
            return bill.read(names[0]).decode("gb18030")
    except (zipfile.BadZipFile, UnicodeDecodeError) as error:
        raise BillError(str(error)) from error
