"""Open data (DESIGN §7 Transparency): monthly aggregates per village, producer
and category, with small cells suppressed, and the closed periods' seals
(``seals``, JSON only). Served at ``/open-data/``.

What a row's month means:

- ``sales_fen`` and ``aid_accrued_fen`` are the sales and accrued aid booked
  in the month less the refunds and reversals booked in it (a sale is booked
  when it was paid, a refund when it was made, each in the first open month
  if its own was closed: ``accrual.booking``), so a closed month's row never
  changes;
- ``aid_distributed_fen`` and ``households_reached`` belong to the month whose
  close distributed them.

Per village, sales and accrued aid are those of the village's producers,
distributed aid and households those of the village's households. Per
producer and per category, distributed aid is what the close distributed of
their lines less the refunds of their earlier-distributed lines that the
close netted (as the close itself did), so a month's distributed aid adds up
to the same total in every dimension; households reached are the
beneficiaries of the pools those lines fed.

Suppression (no figure may describe fewer than ``MIN_HOUSEHOLDS`` households):
a row whose ``households_reached`` is 1 or 2 has both ``households_reached``
and ``aid_distributed_fen`` suppressed. Because a month's total distributed
aid can be worked out from another table, a month's suppressed rows of one
table must together hide at least two rows and ``MIN_HOUSEHOLDS`` households;
if they do not, the row with the next smallest ``households_reached`` is
suppressed too, until they do (or all are). Sales and accrued aid describe
producers, whose sales the storefront shows anyway, and are never suppressed.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.households.masking import MIN_HOUSEHOLDS
from aid_accounting.households.models import Household
from aid_accounting.ledger.chain import utc_text
from aid_accounting.ledger.models import Account, Entry
from aid_accounting.periods.models import PeriodSeal, PoolDistribution
from core.spreadsheet import csv_text
from producers.models import Village

DIMENSIONS = ("village", "producer", "category")

COLUMNS = (
    "dimension",
    "month",
    "key",
    "name",
    "sales_fen",
    "aid_accrued_fen",
    "aid_distributed_fen",
    "households_reached",
    "suppressed",
)


@dataclass
class Cell:
    dimension: str
    month: str
    key: str
    name: str
    sales_fen: int = 0
    aid_accrued_fen: int = 0
    aid_distributed_fen: int = 0
    households: set[int] = field(default_factory=set)
    suppressed: bool = False

    def as_row(self) -> dict:
        return {
            "dimension": self.dimension,
            "month": self.month,
            "key": self.key,
            "name": self.name,
            "sales_fen": self.sales_fen,
            "aid_accrued_fen": self.aid_accrued_fen,
            "aid_distributed_fen": None if self.suppressed else self.aid_distributed_fen,
            "households_reached": None if self.suppressed else len(self.households),
            "suppressed": self.suppressed,
        }


def monthly_aggregates(*, year: int | None = None) -> list[dict]:
    """Every (dimension, month, key) row, suppressed as the module docstring says."""
    cells: dict[tuple[str, str, str], Cell] = {}

    def cell(dimension: str, month: str, key: str, name: str) -> Cell:
        found = cells.get((dimension, month, key))
        if found is None:
            found = cells[(dimension, month, key)] = Cell(dimension, month, key, name)
        return found

    _add_sales(cell)
    _add_distributions(cell)
    rows = [c for c in cells.values() if year is None or c.month.startswith(f"{year:04d}-")]
    _suppress(rows)
    rows.sort(key=lambda c: (DIMENSIONS.index(c.dimension), c.month, c.key))
    return [c.as_row() for c in rows]


_NAMES = (
    "producer__village__code",
    "producer__village__name",
    "producer__code",
    "producer__name",
    "category__slug",
    "category__name",
)


def _add_sales(cell) -> None:
    accruals = LineAccrual.objects.values_list(
        "booked_at", "line_total_fen", "aid_fen", *(f"line__{name}" for name in _NAMES)
    )
    reversals = AidReversal.objects.values_list(
        "booked_at", "refunded_fen", "aid_fen", *(f"accrual__line__{name}" for name in _NAMES)
    )
    for rows, sign in ((accruals, 1), (reversals, -1)):
        for booked_at, sales, aid, *names in rows.iterator():
            month = timezone.localtime(booked_at).strftime("%Y-%m")
            village_code, village, producer_code, producer, category_slug, category = names
            for target in (
                cell("village", month, village_code, village),
                cell("producer", month, producer_code, producer),
                cell("category", month, category_slug, category),
            ):
                target.sales_fen += sign * sales
                target.aid_accrued_fen += sign * aid


def _add_distributions(cell) -> None:
    distributions = {d.transaction_id: d for d in PoolDistribution.objects.select_related("period")}
    credited: dict[int, dict[int, int]] = defaultdict(dict)  # transaction → household → fen
    for transaction_id, household_id, amount in Entry.objects.filter(
        transaction_id__in=list(distributions),
        account__owner_type=Account.OwnerType.HOUSEHOLD,
    ).values_list("transaction_id", "account__owner_id", "amount_fen"):
        credited[transaction_id][household_id] = -amount
    villages = dict(
        Household.objects.filter(
            pk__in={h for shares in credited.values() for h in shares}
        ).values_list("pk", "village_id")
    )
    village_names = _village_labels(set(villages.values()))
    for transaction_id, shares in credited.items():
        month = distributions[transaction_id].period.code
        for household_id, fen in shares.items():
            code, name = village_names[villages[household_id]]
            target = cell("village", month, code, name)
            target.aid_distributed_fen += fen
            target.households.add(household_id)
    # Per producer and category: the aid of the lines each close distributed,
    # less the refunds of earlier-distributed lines it netted (the close's
    # lines_fen − late_reversals_fen), so the totals are the households'.
    line_names = (
        "line__producer__code",
        "line__producer__name",
        "line__category__slug",
        "line__category__name",
    )
    distributed_lines = (
        LineAccrual.objects.filter(distributed_in__isnull=False, distributed_fen__gt=0)
        .values(
            "pool_id",
            *line_names,
            period_id=F("distributed_in_id"),
            month=F("distributed_in__code"),
        )
        .annotate(fen=Coalesce(Sum("distributed_fen"), 0))
    )
    late_refunds = (
        AidReversal.objects.filter(netted_in__isnull=False, aid_fen__gt=0)
        .filter(~Q(accrual__distributed_in_id=F("netted_in_id")))
        .values(
            pool_id=F("accrual__pool_id"),
            period_id=F("netted_in_id"),
            month=F("netted_in__code"),
            **{name: F(f"accrual__{name}") for name in line_names},
        )
        .annotate(fen=-Coalesce(Sum("aid_fen"), 0))
    )
    reach = {
        (d.pool_id, d.period_id): set(credited[d.transaction_id]) for d in distributions.values()
    }
    for row in [*distributed_lines, *late_refunds]:
        households = reach.get((row["pool_id"], row["period_id"]), set())
        for target in (
            cell(
                "producer", row["month"], row["line__producer__code"], row["line__producer__name"]
            ),
            cell(
                "category", row["month"], row["line__category__slug"], row["line__category__name"]
            ),
        ):
            target.aid_distributed_fen += row["fen"]
            target.households |= households


def _village_labels(ids: set[int]) -> dict[int, tuple[str, str]]:
    rows = Village.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    return {pk: (code, name) for pk, code, name in rows}


def _suppress(rows: list[Cell]) -> None:
    groups: dict[tuple[str, str], list[Cell]] = defaultdict(list)
    for row in rows:
        groups[(row.dimension, row.month)].append(row)
    for group in groups.values():
        reached = [row for row in group if row.households]
        for row in reached:
            row.suppressed = len(row.households) < MIN_HOUSEHOLDS
        hidden = [row for row in reached if row.suppressed]
        if not hidden:
            continue
        shown = sorted((r for r in reached if not r.suppressed), key=lambda r: len(r.households))
        # Complementary suppression: the hidden rows together must not give
        # away one row's figure, or fewer than MIN_HOUSEHOLDS households'.
        while shown and (
            len(hidden) < 2 or sum(len(r.households) for r in hidden) < MIN_HOUSEHOLDS
        ):
            row = shown.pop(0)
            row.suppressed = True
            hidden.append(row)


def seals(*, year: int | None = None) -> list[dict]:
    """The closed periods' seals, oldest first: every field their hash covers
    and the hash (docs/aid-accounting.md), not the balances themselves (one per
    household account)."""
    found = PeriodSeal.objects.select_related("period").order_by("period__start")
    if year is not None:
        found = found.filter(period__code__startswith=f"{year:04d}-")
    return [
        {
            "period": seal.period.code,
            "sealed_at": utc_text(seal.sealed_at),
            "head_sequence": seal.head_sequence,
            "head_hash": seal.head_hash,
            "balances_hash": seal.balances_hash,
            "previous_hash": seal.previous_hash,
            "seal_hash": seal.seal_hash,
        }
        for seal in found
    ]


def to_csv(rows: Iterable[dict]) -> str:
    """CSV with a byte-order mark, so spreadsheet programs read the Chinese names."""
    # csv writes None as "" already; booleans as the JSON spelling.
    lines = (
        [
            ("true" if row[column] else "false") if column == "suppressed" else row[column]
            for column in COLUMNS
        ]
        for row in rows
    )
    return "\ufeff" + csv_text([COLUMNS, *lines])
