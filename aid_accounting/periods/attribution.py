"""Which sales funded a household's income in a period, computed when asked
(DESIGN §7): nothing here is stored, so attribution costs no rows at close.

A household received a share s of each pool distribution D of the period. D
paid out the aid of the lines it distributed (their sum L) less refunds of
lines distributed earlier (their sum R), so D = L − R. The household's part
of a line with distributed aid a is s × a / D, and of such a refund r it is
−s × r / D. In whole fen: the lines share round(s × L / D) and the refunds
that amount less s, each split by largest remainder, so the parts add up to
exactly what the household received.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from aid_accounting import calendar
from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.exceptions import PeriodError
from aid_accounting.households.models import Household
from aid_accounting.ledger.models import Account, Entry
from aid_accounting.periods.models import AccountingPeriod, PoolDistribution
from core.money import split_largest_remainder


@dataclass(frozen=True)
class AttributedSale:
    """One line's contribution to a distribution, and the household's part of it.

    For a refund netted after distribution, ``reversal`` is set and both
    amounts are negative.
    """

    accrual: LineAccrual
    contribution_fen: int
    household_fen: int
    reversal: AidReversal | None = None


@dataclass(frozen=True)
class PoolAttribution:
    distribution: PoolDistribution
    share_fen: int
    sales: list[AttributedSale]


@dataclass(frozen=True)
class HouseholdAttribution:
    household: Household
    period: AccountingPeriod
    pools: list[PoolAttribution]

    @property
    def total_fen(self) -> int:
        return sum(pool.share_fen for pool in self.pools)


def household_attribution(
    *, household: Household, period: AccountingPeriod | str
) -> HouseholdAttribution:
    """The sales behind what ``household`` received in the close of ``period``."""
    record = period if isinstance(period, AccountingPeriod) else _closed_period(period)
    shares = dict(
        Entry.objects.filter(
            account__owner_type=Account.OwnerType.HOUSEHOLD,
            account__owner_id=household.pk,
            transaction__in=PoolDistribution.objects.filter(period=record).values("transaction"),
        ).values_list("transaction_id", "amount_fen")
    )
    distributions = (
        PoolDistribution.objects.filter(period=record, transaction_id__in=shares)
        .select_related("pool")
        .order_by("pool__name")
    )
    pools = [
        PoolAttribution(
            distribution=distribution,
            share_fen=-shares[distribution.transaction_id],
            sales=_attribute(distribution, -shares[distribution.transaction_id]),
        )
        for distribution in distributions
    ]
    return HouseholdAttribution(household=household, period=record, pools=pools)


def _closed_period(code: str) -> AccountingPeriod:
    month = calendar.parse(code)
    record = AccountingPeriod.objects.filter(
        code=month.code, status=AccountingPeriod.Status.CLOSED
    ).first()
    if record is None:
        raise PeriodError(_("期间 %(code)s 尚未结算。") % {"code": month.code})
    return record


def _attribute(distribution: PoolDistribution, share_fen: int) -> list[AttributedSale]:
    accruals = list(
        LineAccrual.objects.filter(
            pool=distribution.pool, distributed_in=distribution.period, distributed_fen__gt=0
        )
        .select_related("line__order", "line__producer")
        .order_by("accrued_at", "pk")
    )
    late = list(
        AidReversal.objects.filter(
            accrual__pool=distribution.pool, netted_in=distribution.period, aid_fen__gt=0
        )
        .exclude(accrual__distributed_in=distribution.period)
        .select_related("accrual__line__order", "accrual__line__producer")
        .order_by("created_at", "pk")
    )
    # round half up of share × L / D, in integers
    lines_share = (2 * share_fen * distribution.lines_fen + distribution.amount_fen) // (
        2 * distribution.amount_fen
    )
    line_parts = split_largest_remainder(
        lines_share, {_key(accrual.pk): accrual.distributed_fen for accrual in accruals}
    )
    sales = [
        AttributedSale(
            accrual=accrual,
            contribution_fen=accrual.distributed_fen,
            household_fen=line_parts[_key(accrual.pk)],
        )
        for accrual in accruals
    ]
    if late:
        refund_parts = split_largest_remainder(
            lines_share - share_fen, {_key(reversal.pk): reversal.aid_fen for reversal in late}
        )
        sales += [
            AttributedSale(
                accrual=reversal.accrual,
                contribution_fen=-reversal.aid_fen,
                household_fen=-refund_parts[_key(reversal.pk)],
                reversal=reversal,
            )
            for reversal in late
        ]
    return sales


def _key(pk: int) -> str:
    # Zero-padded, so ties in the split go to the older row.
    return f"{pk:012d}"
