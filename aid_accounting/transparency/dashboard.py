"""The township dashboard (帮扶看板, DESIGN §7 Transparency): for a month or a
year (``calendar.Span``), sales and where their aid share stands, by village, producer, category
and channel, next to the period before.

Everything is read from the ledger's daily totals (``ledger.daily_totals``: the
posted entries summed per account, local day, kind and order-line dimensions,
kept by the database as it posts), so a year sums a few thousand days' rows
rather than every entry: a posting counts in the period it is booked (local
time), by the kind of its transaction.

- sales: what buyers paid for order lines (processor clearing debits of
  accruals that carry a line); refunded: what refunds gave back of them;
- aid accrued / reversed: the pools' credits of accruals / debits of reversals;
- distributed: the pools' debits of distributions (what closes paid to households);
- paid out: household payables' debits of payouts; producers' payouts are
  counted apart, as ``producer_paid_out_fen``;
- still payable: the households' payable balance at the end of the period, and
  ``undistributed_fen`` the pools' balance then.

Over every period that has postings, the totals are ``aid_reconcile``'s
figures. Line-level totals carry the order line's producer, category and
channel (the producer's village is looked up); household totals are summed per
household, then per village. Each figure is a database aggregate, so the number
of queries is fixed, whatever the number of sales or households.
"""

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from django.db.models import Q, QuerySet, Sum

from aid_accounting.calendar import Span
from aid_accounting.households.models import Household
from aid_accounting.ledger.models import Account, DailyTotal, Entry, Transaction
from producers.models import Producer
from shop.catalogue.models import Category
from shop.orders.models import Order

Kind = Transaction.Kind

OwnerType = Account.OwnerType


@dataclass(frozen=True)
class Figures:
    """Fen; every figure positive in its natural direction."""

    sales_fen: int = 0
    refunded_fen: int = 0
    aid_accrued_fen: int = 0
    aid_reversed_fen: int = 0
    distributed_fen: int = 0
    paid_out_fen: int = 0

    @property
    def net_sales_fen(self) -> int:
        return self.sales_fen - self.refunded_fen


@dataclass(frozen=True)
class Totals(Figures):
    producer_paid_out_fen: int = 0
    # balances at the end of the period
    payable_fen: int = 0
    undistributed_fen: int = 0


@dataclass(frozen=True)
class Row(Figures):
    """One line of a breakdown: a village, producer, category or channel.
    ``payable_fen`` is filled for villages only (their households' balance)."""

    key: str = ""
    label: str = ""
    payable_fen: int = 0


@dataclass(frozen=True)
class Dashboard:
    period: Span
    totals: Totals
    previous: Totals
    by_village: list[Row]
    by_producer: list[Row]
    by_category: list[Row]
    by_channel: list[Row]


FIGURE_NAMES = [field.name for field in fields(Figures)]

# Read from the ledger's daily totals (``ledger.daily_totals``), whose rows carry
# each order line's producer, category and channel (0 and "" without a line).
_LINE = ~Q(producer_id=0)

_CLEARING = Q(account__owner_type=OwnerType.PROCESSOR_CLEARING)

_POOL = Q(account__owner_type=OwnerType.POOL)

_HOUSEHOLD = Q(account__owner_type=OwnerType.HOUSEHOLD)

# Each figure: the filter of its totals and the sign that makes it positive.
_LINE_FIGURES = {
    "sales_fen": (_LINE & _CLEARING & Q(kind=Kind.ACCRUAL), 1),
    "refunded_fen": (_LINE & _CLEARING & Q(kind=Kind.REVERSAL), -1),
    "aid_accrued_fen": (_POOL & Q(kind=Kind.ACCRUAL), -1),
    "aid_reversed_fen": (_POOL & Q(kind=Kind.REVERSAL), 1),
}

_HOUSEHOLD_FIGURES = {
    "distributed_fen": (_HOUSEHOLD & Q(kind=Kind.DISTRIBUTION), -1),
    "paid_out_fen": (_HOUSEHOLD & Q(kind=Kind.PAYOUT), 1),
}

_TOTAL_FIGURES = {
    **_LINE_FIGURES,
    # The pools' side of distributions: the same amount as the households' side.
    "distributed_fen": (_POOL & Q(kind=Kind.DISTRIBUTION), 1),
    "paid_out_fen": _HOUSEHOLD_FIGURES["paid_out_fen"],
    "producer_paid_out_fen": (
        Q(account__owner_type=OwnerType.PRODUCER, kind=Kind.PAYOUT),
        1,
    ),
}


def _in(period: Span) -> Q:
    return Q(day__gte=period.start, day__lte=period.end)


def _until(period: Span) -> Q:
    """Up to the end of the period: what balances at its end sum."""
    return Q(day__lte=period.end)


def _sums(figures: dict[str, tuple[Q, int]], *, within: Q | None = None) -> dict[str, Sum]:
    return {
        name: Sum("amount_fen", filter=condition & within if within else condition)
        for name, (condition, _sign) in figures.items()
    }


def _signed(row: dict, figures: dict[str, tuple[Q, int]]) -> dict[str, int]:
    return {name: sign * (row[name] or 0) for name, (_condition, sign) in figures.items()}


def totals(*, periods: Sequence[Span]) -> list[Totals]:
    """Each period's figures and the balances at its end, in one query (one
    pass over the daily totals, however many periods)."""
    rows = DailyTotal.objects.filter(day__lte=max(period.end for period in periods)).aggregate(
        **{
            f"{name}_{index}": aggregate
            for index, period in enumerate(periods)
            for name, aggregate in _sums(_TOTAL_FIGURES, within=_in(period)).items()
        },
        **{
            f"{balance}_{index}": Sum("amount_fen", filter=owner & _until(period))
            for index, period in enumerate(periods)
            for balance, owner in (("payable", _HOUSEHOLD), ("undistributed", _POOL))
        },
    )
    result = []
    for index in range(len(periods)):
        row = {
            name[: -len(f"_{index}")]: value
            for name, value in rows.items()
            if name.endswith(f"_{index}")
        }
        result.append(
            Totals(
                **_signed(row, _TOTAL_FIGURES),
                payable_fen=-(row["payable"] or 0),
                undistributed_fen=-(row["undistributed"] or 0),
            )
        )
    return result


def line_breakdown(
    *,
    period: Span,
    by: str,
    village_id: int | None = None,
    producer_id: int | None = None,
) -> list[Row]:
    """Sales and aid of the period's line postings per producer or village
    (``by``), largest sales first."""
    groups = _line_groups(period=period, village_id=village_id, producer_id=producer_id)
    return _rollup(groups, key=f"{by}_id", label=f"{by}_name")


def village_breakdown(
    *, period: Span, village_id: int | None = None, line_rows: list[Row] | None = None
) -> list[Row]:
    """Per village: its producers' sales and aid (line postings), and what its
    households received, were paid and are still owed at the end of the period.
    ``line_rows``: the villages' line figures, if the caller has them already."""
    if line_rows is None:
        line_rows = line_breakdown(period=period, by="village", village_id=village_id)
    line_rows = {row.key: row for row in line_rows}
    # Households' postings summed per household, then per village here: a
    # few hundred rows, rather than a lookup of the village for every entry.
    villages = Household.objects.order_by().values_list("pk", "village_id", "village__name")
    if village_id is not None:
        villages = villages.filter(village_id=village_id)
    village_of = {pk: (str(key), name) for pk, key, name in villages}
    household_rows: dict[str, dict] = {}
    for household_id, figures in household_figures(period=period).items():
        if household_id not in village_of:
            continue
        key, name = village_of[household_id]
        row = household_rows.setdefault(
            key, {"label": name, **dict.fromkeys((*_HOUSEHOLD_FIGURES, "payable_fen"), 0)}
        )
        for field in (*_HOUSEHOLD_FIGURES, "payable_fen"):
            row[field] += getattr(figures, field)
    rows = dict(line_rows)
    for key, household_row in household_rows.items():
        line_row = line_rows.get(key)
        rows[key] = Row(
            key=key,
            label=line_row.label if line_row else household_row["label"],
            **{name: getattr(line_row, name) if line_row else 0 for name in _LINE_FIGURES},
            **{name: household_row[name] for name in _HOUSEHOLD_FIGURES},
            payable_fen=household_row["payable_fen"],
        )
    return sorted(rows.values(), key=lambda row: row.label)


@dataclass(frozen=True)
class HouseholdFigures:
    distributed_fen: int
    paid_out_fen: int
    # owed at the end of the period
    payable_fen: int


def household_figures(*, period: Span) -> dict[int, HouseholdFigures]:
    """Household id → its figures, for the households with postings up to the
    end of the period; one query."""
    rows = (
        DailyTotal.objects.filter(_HOUSEHOLD, _until(period))
        .values("account__owner_id")
        .annotate(**_sums(_HOUSEHOLD_FIGURES, within=_in(period)), payable=Sum("amount_fen"))
        .order_by()
    )
    return {
        row["account__owner_id"]: HouseholdFigures(
            **_signed(row, _HOUSEHOLD_FIGURES), payable_fen=-(row["payable"] or 0)
        )
        for row in rows
    }


def journal(*, period: Span) -> QuerySet[Entry]:
    """The period's posted entries, oldest first."""
    return Entry.objects.filter(
        period.contains("transaction__created_at"), transaction__posted=True
    ).order_by("transaction__created_at", "transaction_id", "pk")


def dashboard(*, period: Span) -> Dashboard:
    current, previous = totals(periods=[period, period.previous()])
    groups = _line_groups(period=period)
    labels = dict(Order.Channel.choices)
    return Dashboard(
        period=period,
        totals=current,
        previous=previous,
        by_village=village_breakdown(
            period=period, line_rows=_rollup(groups, key="village_id", label="village_name")
        ),
        by_producer=_rollup(groups, key="producer_id", label="producer_name"),
        by_category=_rollup(groups, key="category_id", label="category_name"),
        by_channel=[
            replace(row, label=str(labels.get(row.key, row.key)))
            for row in _rollup(groups, key="channel", label="channel")
        ],
    )


def _line_groups(
    *, period: Span, village_id: int | None = None, producer_id: int | None = None
) -> list[dict]:
    """The period's line postings summed per producer, category and channel:
    one pass over the daily totals gives every breakdown of the dashboard (a
    producer's village is the producer's, as it is today), a few dozen rows
    to roll up; the names are looked up after."""
    scope = _LINE & (_CLEARING | _POOL) & Q(kind__in=[Kind.ACCRUAL, Kind.REVERSAL])
    if village_id is not None:
        scope &= Q(producer_id__in=Producer.objects.filter(village_id=village_id).values("pk"))
    if producer_id is not None:
        scope &= Q(producer_id=producer_id)
    groups = list(
        DailyTotal.objects.filter(_in(period), scope)
        .values("producer_id", "category_id", "channel")
        .annotate(**_sums(_LINE_FIGURES))
        .order_by()
    )
    producers = Producer.objects.select_related("village").in_bulk(
        {group["producer_id"] for group in groups}
    )
    categories = Category.objects.in_bulk({group["category_id"] for group in groups})
    for group in groups:
        producer = producers[group["producer_id"]]
        group.update(
            producer_name=producer.name,
            village_id=producer.village_id,
            village_name=producer.village.name,
            category_name=categories[group["category_id"]].name,
        )
    return groups


def _rollup(groups: list[dict], *, key: str, label: str) -> list[Row]:
    """``groups`` summed by ``key``, largest sales first, as ``line_breakdown`` orders them."""
    sums: dict[str, dict[str, int]] = {}
    labels: dict[str, str] = {}
    for group in groups:
        group_key = str(group[key])
        labels[group_key] = str(group[label])
        figures = sums.setdefault(group_key, dict.fromkeys(_LINE_FIGURES, 0))
        for name, value in _signed(group, _LINE_FIGURES).items():
            figures[name] += value
    return sorted(
        (Row(key=k, label=labels[k], **figures) for k, figures in sums.items()),
        key=lambda row: (-row.sales_fen, row.label),
    )
