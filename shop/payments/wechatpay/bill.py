"""Reading WeChat Pay's trade bill (交易账单, bill_type=ALL), as the API serves it.

The file is CSV text: a header row, one row per payment or refund, then a
summary (a header row starting with 总交易单数 and one row of totals). Every
field of the data rows is prefixed by a backtick (so that spreadsheets keep
long numbers as text), amounts are yuan with two decimals, times Beijing time.
"""

import csv
from datetime import datetime
from zoneinfo import ZoneInfo

from core.money import yuan_to_fen
from shop.payments.gateway import StatementLine

BEIJING = ZoneInfo("Asia/Shanghai")
SUMMARY_HEADER = "总交易单数"


def _cell(value: str) -> str:
    return value.strip().removeprefix("`").strip()


def _fen(text: str) -> int:
    """'39.80' -> 3980; a refund's fee is negative ('-0.02'): its size is kept,
    the line's kind says which way it went."""
    return yuan_to_fen(text.removeprefix("-"))


def parse_trade_bill(text: str) -> list[StatementLine]:
    """The payments and refunds of a trade bill. Raises ValueError when the
    file is not one (a missing column, an amount that is not yuan)."""
    rows = [row for row in csv.reader(text.lstrip("\ufeff").splitlines()) if any(row)]
    if not rows:
        return []
    header = [_cell(name) for name in rows[0]]
    lines = []
    for row in rows[1:]:
        cells = [_cell(value) for value in row]
        if cells[0] == SUMMARY_HEADER:
            break
        record = dict(zip(header, cells, strict=False))
        try:
            state = record["交易状态"]
            occurred_at = datetime.strptime(record["交易时间"], "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=BEIJING
            )
            fee_fen = _fen(record["手续费"])
            if state == "SUCCESS":
                line = StatementLine(
                    kind="payment",
                    merchant_reference=record["商户订单号"],
                    external_id=record["微信订单号"],
                    # The order's amount, as we asked for it (coupons included).
                    amount_fen=_fen(record["订单金额"]),
                    fee_fen=fee_fen,
                    occurred_at=occurred_at,
                )
            elif state == "REFUND":
                line = StatementLine(
                    kind="refund",
                    merchant_reference=record["商户退款单号"],
                    external_id=record["微信退款单号"],
                    amount_fen=_fen(record["退款金额"]),
                    fee_fen=fee_fen,
                    occurred_at=occurred_at,
                )
            else:  # REVOKED and the like moved no money
                continue
        except KeyError as missing:
            raise ValueError(f"trade bill without the column {missing}") from None
        lines.append(line)
    return lines
