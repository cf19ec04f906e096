"""A producer's earnings statement, for the producer portal: per month, what
its sales earned, the aid deducted from them and into which pool, the
shipping it was credited, what it was paid and what it is still owed.

Everything is read from the ledger, so the statement agrees with the balances
``aid_reconcile`` checks and the payout batches draw on. A producer's entries
are those on its payable account, plus the pool entries that carry one of its
order lines (the aid taken from its sales). A posting counts in the month it
is booked, in local time (Asia/Shanghai): a sale when it was paid, a refund
when it was made, a payout when its row was marked paid. So a past month never
changes: a refund of an October sale made in November lowers November.
A balance below zero (a refund after the sale was paid out) is shown as
owed back: later payouts offset it (``payouts.payable``).

Amounts are credit-positive fen (what the producer is owed goes up), and
each figure is a sum the database computes, so the number of queries does not
grow with the number of months or sales.
"""

import datetime
from collections import defaultdict
from dataclasses import asdict, dataclass, fields
from enum import StrEnum

from django.db.models import DateField, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from aid_accounting import calendar
from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.rules.models import AidPool
from core.money import yuan_amount
from core.spreadsheet import csv_text
from producers.models import Producer
from shop.orders.models import OrderLine

PRODUCER = Account.OwnerType.PRODUCER

POOL = Account.OwnerType.POOL

Kind = Transaction.Kind


@dataclass(frozen=True)
class Figures:
    """The statement's columns for some stretch of time, in fen.

    ``payable_fen`` is what was credited to the producer's payable account
    (= sales − refunds − aid + shipping); ``paid_out_fen`` what was debited
    from it by paid payout rows.
    """

    sales_fen: int
    refunded_fen: int
    aid_fen: int
    shipping_fen: int
    payable_fen: int
    paid_out_fen: int

    @property
    def net_sales_fen(self) -> int:
        return self.sales_fen - self.refunded_fen


@dataclass(frozen=True)
class PoolAid:
    pool: str
    aid_fen: int


@dataclass(frozen=True)
class MonthStatement(Figures):
    month: calendar.Month
    # what is still owed at the end of the month
    balance_fen: int
    pools: tuple[PoolAid, ...]

    @property
    def owed_back_fen(self) -> int:
        """Refunds of sales already paid out that the month's end leaves
        uncovered: the next payout batches offset them against later sales."""
        return max(0, -self.balance_fen)


@dataclass(frozen=True)
class Statement:
    producer: Producer
    year: int
    # owed at the start of the year
    opening_balance_fen: int
    # months with any posting, oldest first
    months: list[MonthStatement]

    @property
    def closing_balance_fen(self) -> int:
        return self.months[-1].balance_fen if self.months else self.opening_balance_fen

    @property
    def totals(self) -> Figures:
        names = [field.name for field in fields(Figures)]
        return Figures(
            **{name: sum(getattr(month, name) for month in self.months) for name in names}
        )


class LineKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    SHIPPING = "shipping"
    SHIPPING_REFUND = "shipping_refund"
    PAYOUT = "payout"

    @property
    def label(self) -> str:
        return {
            LineKind.SALE: _("销售"),
            LineKind.REFUND: _("退款"),
            LineKind.SHIPPING: _("运费"),
            LineKind.SHIPPING_REFUND: _("退运费"),
            LineKind.PAYOUT: _("收到付款"),
        }[self]


@dataclass(frozen=True)
class StatementLine(Figures):
    """One posting: a sale or refund of one order line, an order's shipping, a payout."""

    booked_at: datetime.datetime
    kind: LineKind
    # the order number, or the payout batch
    reference: str
    # the product, for a sale or refund
    description: str
    pool: str
    balance_fen: int


def statement_years(*, producer: Producer) -> list[int]:
    """The years a statement can be asked for: from the producer's first posting to this year."""
    this_year = timezone.localdate().year
    first = _entries(producer).aggregate(first=Min("transaction__created_at"))["first"]
    start = min(timezone.localtime(first).year, this_year) if first else this_year
    return list(range(start, this_year + 1))


def monthly_statement(*, producer: Producer, year: int | None = None) -> Statement:
    """The producer's figures per month of ``year`` (this year by default)."""
    if year is None:
        year = timezone.localdate().year
    span = calendar.Year(year)
    in_year = _entries(producer).filter(span.contains("transaction__created_at"))
    by_month = (
        in_year.annotate(first_day=TruncMonth("transaction__created_at", output_field=DateField()))
        .order_by()
        .values("first_day")
    )
    figures = {row["first_day"]: _figures(row) for row in by_month.annotate(**_SUMS)}
    aid_rows = list(
        by_month.filter(account__owner_type=POOL)
        .values("first_day", "account__owner_id")
        .annotate(aid=Sum("amount_fen"))
    )
    names = _pool_names({row["account__owner_id"] for row in aid_rows})
    pools = defaultdict(list)
    for row in aid_rows:
        pools[row["first_day"]].append(PoolAid(names[row["account__owner_id"]], -row["aid"]))

    balance = opening = _balance_before(producer, span.starts_at)
    months = []
    for first_day in sorted(figures):
        month = figures[first_day]
        balance += month.payable_fen - month.paid_out_fen
        months.append(
            MonthStatement(
                **asdict(month),
                month=calendar.Month(first_day.year, first_day.month),
                balance_fen=balance,
                pools=tuple(sorted(pools[first_day], key=lambda aid: aid.pool)),
            )
        )
    return Statement(producer=producer, year=year, opening_balance_fen=opening, months=months)


def statement_lines(*, producer: Producer, year: int) -> list[StatementLine]:
    """The postings behind ``monthly_statement``, one per transaction, oldest first."""
    span = calendar.Year(year)
    rows = list(
        _entries(producer)
        .filter(span.contains("transaction__created_at"))
        .values(
            "transaction_id",
            "transaction__created_at",
            "transaction__kind",
            "transaction__source",
            "order_line_id",
            "order_line__product_title",
            "order_line__variant_name",
        )
        .annotate(**_SUMS, pool_id=Max("account__owner_id", filter=Q(account__owner_type=POOL)))
        .order_by("transaction__created_at", "transaction_id")
    )
    names = _pool_names({row["pool_id"] for row in rows if row["pool_id"]})
    balance = _balance_before(producer, span.starts_at)
    lines = []
    for row in rows:
        figures = _figures(row)
        balance += figures.payable_fen - figures.paid_out_fen
        kind = _line_kind(row)
        lines.append(
            StatementLine(
                **asdict(figures),
                booked_at=row["transaction__created_at"],
                kind=kind,
                # Sources are "order:<number>" and "payout-batch:<id>" (accrual/accrue.py,
                # payouts/batches.py).
                reference=row["transaction__source"].partition(":")[2],
                description=(
                    f"{row['order_line__product_title']}·{row['order_line__variant_name']}"
                    if row["order_line_id"]
                    else ""
                ),
                pool=names.get(row["pool_id"], ""),
                balance_fen=balance,
            )
        )
    return lines


def statement_csv(*, producer: Producer, year: int) -> str:
    """The statement of ``year`` as CSV text: the balance brought forward, then
    one row per posting; amounts in yuan."""
    opening = _balance_before(producer, calendar.Year(year).starts_at)
    rows = [
        [
            _("日期"),
            _("月份"),
            _("类型"),
            _("订单号或付款批次"),
            _("摘要"),
            _("销售额（元）"),
            _("退款（元）"),
            _("帮扶金（元）"),
            _("帮扶资金池"),
            _("运费（元）"),
            _("应得（元）"),
            _("收到付款（元）"),
            _("未付余额（元）"),
        ],
        [f"{year}-01-01", "", _("上年结转"), *[""] * 9, yuan_amount(opening)],
    ]
    for line in statement_lines(producer=producer, year=year):
        booked = timezone.localtime(line.booked_at)
        rows.append(
            [
                f"{booked:%Y-%m-%d %H:%M}",
                f"{booked:%Y-%m}",
                line.kind.label,
                line.reference,
                line.description,
                yuan_amount(line.sales_fen),
                yuan_amount(line.refunded_fen),
                yuan_amount(line.aid_fen),
                line.pool,
                yuan_amount(line.shipping_fen),
                yuan_amount(line.payable_fen),
                yuan_amount(line.paid_out_fen),
                yuan_amount(line.balance_fen),
            ]
        )
    return csv_text(rows)


# Within _entries, an entry on a producer account is on this producer's, and
# an entry on a pool account is the aid of one of its lines.
_LINE = Q(order_line__isnull=False)

_OWN = Q(account__owner_type=PRODUCER)

_SUMS = {
    "sales": Sum("amount_fen", filter=_LINE & Q(transaction__kind=Kind.ACCRUAL)),
    "refunded": Sum("amount_fen", filter=_LINE & Q(transaction__kind=Kind.REVERSAL)),
    "aid": Sum("amount_fen", filter=Q(account__owner_type=POOL)),
    "shipping": Sum(
        "amount_fen", filter=_OWN & ~_LINE & Q(transaction__kind__in=[Kind.ACCRUAL, Kind.REVERSAL])
    ),
    "payable": Sum("amount_fen", filter=_OWN & ~Q(transaction__kind=Kind.PAYOUT)),
    "paid_out": Sum("amount_fen", filter=_OWN & Q(transaction__kind=Kind.PAYOUT)),
}


def _figures(row: dict) -> Figures:
    # Entries are debit-positive: the producer's and the pools' credits are negative.
    return Figures(
        sales_fen=-(row["sales"] or 0),
        refunded_fen=row["refunded"] or 0,
        aid_fen=-(row["aid"] or 0),
        shipping_fen=-(row["shipping"] or 0),
        payable_fen=-(row["payable"] or 0),
        paid_out_fen=row["paid_out"] or 0,
    )


def _entries(producer: Producer) -> QuerySet[Entry]:
    # Subqueries rather than joins in the condition, so the database can take
    # both halves from the entry table's indexes on account and order line.
    own_account = Account.objects.filter(owner_type=PRODUCER, owner_id=producer.pk).values("pk")
    own_lines = OrderLine.objects.filter(producer=producer).values("pk")
    return Entry.objects.filter(transaction__posted=True).filter(
        Q(account__in=own_account) | Q(account__owner_type=POOL, order_line__in=own_lines)
    )


def _balance_before(producer: Producer, moment: datetime.datetime) -> int:
    total = Entry.objects.filter(
        transaction__posted=True,
        account__owner_type=PRODUCER,
        account__owner_id=producer.pk,
        transaction__created_at__lt=moment,
    ).aggregate(total=Sum("amount_fen"))["total"]
    return -(total or 0)


def _pool_names(pool_ids: set[int]) -> dict[int, str]:
    return dict(AidPool.objects.filter(pk__in=pool_ids).values_list("pk", "name"))


def _line_kind(row: dict) -> LineKind:
    kind = row["transaction__kind"]
    if kind == Kind.PAYOUT:
        return LineKind.PAYOUT
    has_line = row["order_line_id"] is not None
    if kind == Kind.ACCRUAL:
        return LineKind.SALE if has_line else LineKind.SHIPPING
    return LineKind.REFUND if has_line else LineKind.SHIPPING_REFUND
