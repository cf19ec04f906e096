"""The figures of a buying unit's yearly aid certificate, computed from the aid
accounting's records and the ledger (docs/aid-accounting.md, "Certificates").

Which sales: the order lines of the unit's paid orders charged to the budget
year (``Order.buying_unit``, ``Order.budget_year``), each through the accrual
its payment booked (``LineAccrual``: an order line is paid exactly when it has
one). Every amount is an integer in fen:

- ``purchases_fen``: what the lines cost, less what was refunded of them
  (``line_total_fen − refunded_fen``); shipping is not a purchase of goods and
  is left out. ``by_month`` (the local month the order was paid),
  ``by_producer`` and ``by_village`` (the producer's village) split it, each
  row with its ``aid_fen`` too, and each adds up to the totals exactly;
- ``aid_fen``: the aid share those purchases funded, as accrued at payment
  less what refunds reversed (``aid_fen − reversed_fen``);
- ``reached_households_fen``: the part of ``aid_fen`` that closed periods
  have distributed to households: the aid each line's close distributed
  (``distributed_fen``, net of refunds before it), less refunds of those lines
  after their close, which the next close takes back from the pool's
  households (netted or still to be netted: a refund is never counted as
  having reached anyone). It is never more than ``aid_fen``;
- ``awaiting_close_fen``: the rest, ``aid_fen − reached_households_fen``: the
  aid of lines no close has taken yet (still in their return window, or in a
  month not yet closed);
- ``households`` and ``villages``: how many households the closes that
  distributed these lines credited, and in how many villages (counts only:
  no household is named);
- ``periods``: the closed periods these lines were distributed or netted in,
  with the seal (``PeriodSeal.seal_hash``) of the ledger at each close.

What households were paid out of it is not a figure: payouts pay each
household its balance, less what is held (notice windows, objections), not
the distributions one by one, so the part of one buyer's aid in a payment
would be an apportionment, not a fact of the books.
"""

from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from aid_accounting import calendar
from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.households.models import Household
from aid_accounting.ledger.models import Account, Entry
from aid_accounting.periods.models import AccountingPeriod, PeriodSeal, PoolDistribution

# Bumped when the meaning of a figure changes, so an old certificate is
# compared with figures of its own kind.
VERSION = 1


def unit_year(*, unit_id: int, year: int) -> dict:
    """The certificate's figures for the unit ``unit_id`` and budget ``year``
    as plain JSON values (see the module docstring). The same books give the
    same dict, so its canonical JSON is what a certificate's digest covers."""
    accruals = list(
        LineAccrual.objects.filter(
            line__order__buying_unit_id=unit_id, line__order__budget_year=year
        )
        .select_related("line__producer__village")
        .order_by("pk")
    )
    late = list(_late_reversals(accruals))
    by_month = _Rows()
    by_producer = _Rows()
    by_village = _Rows()
    for accrual in accruals:
        purchases = accrual.line_total_fen - accrual.refunded_fen
        aid = accrual.aid_fen - accrual.reversed_fen
        producer = accrual.line.producer
        by_month.add(calendar.month_of(accrual.accrued_at).code, purchases, aid)
        by_producer.add(producer.name, purchases, aid)
        by_village.add(producer.village.name, purchases, aid)
    aid_fen = sum(a.aid_fen - a.reversed_fen for a in accruals)
    reached = sum(a.distributed_fen for a in accruals if a.distributed_in_id) - sum(
        reversal.aid_fen for reversal in late
    )
    distributed = {(a.pool_id, a.distributed_in_id) for a in accruals if a.distributed_in_id}
    households, villages = _reach(distributed)
    period_ids = {period for _pool, period in distributed} | {
        reversal.netted_in_id for reversal in late if reversal.netted_in_id
    }
    return {
        "version": VERSION,
        "unit_id": unit_id,
        "year": year,
        "orders": len({a.line.order_id for a in accruals}),
        "purchases_fen": sum(a.line_total_fen - a.refunded_fen for a in accruals),
        "aid_fen": aid_fen,
        "reached_households_fen": reached,
        "awaiting_close_fen": aid_fen - reached,
        "households": households,
        "villages": villages,
        "by_month": by_month.rows("month"),
        "by_producer": by_producer.rows("producer"),
        "by_village": by_village.rows("village"),
        "periods": _periods(period_ids),
    }


class _Rows:
    def __init__(self) -> None:
        self._sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, name: str, purchases_fen: int, aid_fen: int) -> None:
        self._sums[name][0] += purchases_fen
        self._sums[name][1] += aid_fen

    def rows(self, label: str) -> list[dict]:
        return [
            {label: name, "purchases_fen": purchases, "aid_fen": aid}
            for name, (purchases, aid) in sorted(self._sums.items())
        ]


def _late_reversals(accruals: list[LineAccrual]):
    """Refunds of distributed lines made after their close: not netted by it."""
    distributed = {a.pk: a.distributed_in_id for a in accruals if a.distributed_in_id}
    return (
        reversal
        for reversal in AidReversal.objects.filter(accrual_id__in=list(distributed)).order_by("pk")
        if reversal.netted_in_id != distributed[reversal.accrual_id]
    )


def _reach(distributed: set[tuple[int, int]]) -> tuple[int, int]:
    """How many households the closes of ``distributed`` (pool, period) credited,
    and in how many villages."""
    if not distributed:
        return 0, 0
    wanted = Q()
    for pool_id, period_id in distributed:
        wanted |= Q(pool_id=pool_id, period_id=period_id)
    household_ids = set(
        Entry.objects.filter(
            transaction__in=PoolDistribution.objects.filter(wanted).values("transaction"),
            account__owner_type=Account.OwnerType.HOUSEHOLD,
        ).values_list("account__owner_id", flat=True)
    )
    villages = (
        Household.objects.filter(pk__in=household_ids).values("village_id").distinct().count()
    )
    return len(household_ids), villages


def _periods(period_ids: set[int]) -> list[dict]:
    seals = {seal.period_id: seal for seal in PeriodSeal.objects.filter(period_id__in=period_ids)}
    return [
        {
            "period": period.code,
            "status": period.status,
            # Every period here is closed: only a close distributes or nets.
            "closed_on": timezone.localtime(period.closed_at).date().isoformat(),
            # Periods closed before seals existed have none.
            "seal_hash": seals[period.pk].seal_hash if period.pk in seals else "",
        }
        for period in AccountingPeriod.objects.filter(pk__in=period_ids).order_by("start")
    ]
