"""Period close: distribution of the pools to households (DESIGN §7 flow 3).

Closing a month, for each pool:

- the lines it takes are those booked before the month ended (paid then, or
  paid in an earlier month already closed when the payment was recorded:
  ``accrual.booking``), not distributed
  by an earlier close, and past their return window at close time (their
  order completed, or their shipment delivered at least the line's return
  window ago; a fully refunded line has nothing left to return: the shop's
  rule, ``shop.orders.returns.line_can_come_back``). A line never delivered
  waits for a later close;
- it distributes their aid less what refunds reversed of it, less the refunds
  of lines distributed by earlier closes that no close has netted yet (every
  such refund so far, whenever booked: the close never pays out money already
  refunded);
- the amount is split among the pool's beneficiaries as they are at close
  time (``allocation.split_among_households``), in one transaction per pool
  and period: debit the pool, credit each household. So the entries are
  O(households), never lines × households;
- when refunds outweigh the new aid, or the pool has no eligible household,
  nothing is posted and nothing is marked: the next close takes it all up.

Everything runs in one database transaction, and the period is marked closed
and sealed (``periods.seals``) in it, so a close is all or nothing and closing
again changes nothing.
Months close in order.
"""

import datetime
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aid_accounting import calendar
from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.exceptions import PeriodError
from aid_accounting.ledger.kinds import AccountOwnerType, TransactionKind
from aid_accounting.ledger.posting import (
    EntrySpec,
    accounts_for,
    household_owner,
    lock_chain_head,
    pool_owner,
    post_transaction,
)
from aid_accounting.periods import seals
from aid_accounting.periods.models import AccountingPeriod, PoolDistribution
from aid_accounting.rules import allocation
from aid_accounting.rules.models import AidPool
from core.roles import SYSTEM, Actor, acting_user, require_aid_officer_or_system
from shop.orders import returns

# The change reason of a period's history record when no officer closed it.
CLOSED_AUTOMATICALLY = "period_closed_automatically"


@dataclass(frozen=True)
class CarriedPool:
    """A pool the close left alone, with the amount it carries to the next close."""

    pool: AidPool
    amount_fen: int
    reason: str


@dataclass
class CloseResult:
    period: AccountingPeriod
    already_closed: bool = False
    distributions: list[PoolDistribution] = field(default_factory=list)
    carried: list[CarriedPool] = field(default_factory=list)

    @property
    def distributed_fen(self) -> int:
        return sum(distribution.amount_fen for distribution in self.distributions)


def close_period(*, period: str, actor: Actor, now: datetime.datetime | None = None) -> CloseResult:
    """Close the month ``period`` ("2026-10") at ``now``; see the module docstring.

    ``actor`` is the aid officer closing it from the admin, or ``SYSTEM`` for
    the scheduled task and the command.
    """
    month = calendar.parse(period)
    now = _not_in_the_future(now)
    require_aid_officer_or_system(actor)
    if now < month.ends_at:
        raise PeriodError(
            _("期间 %(code)s 尚未结束（%(end)s 结束），不能结算。")
            % {"code": month.code, "end": month.end.isoformat()}
        )
    with transaction.atomic():
        # Held to the end: payments and refunds decide their booking month
        # under it (accrual.booking), so none is booked into this month while
        # it closes; and a close takes it before any line, as they do.
        lock_chain_head()
        record, _created = AccountingPeriod.objects.select_for_update().get_or_create(
            code=month.code, defaults={"start": month.start, "end": month.end}
        )
        if record.status == AccountingPeriod.Status.CLOSED:
            return CloseResult(period=record, already_closed=True)
        _require_earlier_months_closed(month)
        result = CloseResult(period=record)
        for pool in AidPool.objects.order_by("pk"):
            _close_pool(pool=pool, month=month, record=record, now=now, result=result)
        record.status = AccountingPeriod.Status.CLOSED
        record.closed_at = now
        record.closed_by = acting_user(actor)
        # The history says who closed it, or, without an officer, that the
        # schedule (or the command) did.
        record._history_user = acting_user(actor)
        if actor is SYSTEM:
            record._change_reason = CLOSED_AUTOMATICALLY
        record.save(update_fields=["status", "closed_at", "closed_by"])
        seals.seal_period(period=record, now=now)
    return result


def close_due_periods(*, now: datetime.datetime | None = None) -> list[CloseResult]:
    """Close every month that has ended and is still open, oldest first: the
    month just gone by, and any that a stopped scheduler missed."""
    now = _not_in_the_future(now)
    last = calendar.month_of(now).previous()
    results = []
    for month in calendar.months_between(first_month(default=last), last):
        result = close_period(period=month.code, actor=SYSTEM, now=now)
        if not result.already_closed:
            results.append(result)
    return results


def _not_in_the_future(now: datetime.datetime | None) -> datetime.datetime:
    """``now``, or the present; a close "at" a time still to come is refused,
    since it would close a month that is not over and whose sales and refunds
    are still being booked in it."""
    present = timezone.now()
    if now is None:
        return present
    if now > present:
        raise PeriodError(
            _("结算时间 %(now)s 晚于现在，不能按未来的时间结算。")
            % {"now": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")}
        )
    return now


@dataclass(frozen=True)
class Candidate:
    """What the close reads of an undistributed line: plain values, not
    models, since a month has thousands of lines."""

    accrual_id: int
    aid_fen: int
    reversed_fen: int
    refunded_fen: int
    line_total_fen: int
    completed_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    return_window_days: int


CANDIDATE_FIELDS = (
    "pk",
    "aid_fen",
    "reversed_fen",
    "refunded_fen",
    "line_total_fen",
    "line__order__completed_at",
    "line__shipment__delivered_at",
    "line__return_window_days",
)


def is_return_window_over(line: Candidate, *, now: datetime.datetime) -> bool:
    """Whether nothing of the line can come back any more, as seen at ``now``
    (the shop's rule, ``returns.line_can_come_back``)."""
    return not returns.line_can_come_back(
        delivered_at=line.delivered_at,
        return_window_days=line.return_window_days,
        completed_at=line.completed_at,
        refunded_fen=line.refunded_fen,
        total_fen=line.line_total_fen,
        now=now,
    )


def first_month(*, default: calendar.Month) -> calendar.Month:
    """The month of the first booked accrual, or ``default`` before any sale."""
    first_accrual = LineAccrual.objects.order_by("booked_at").values_list("booked_at", flat=True)
    first = first_accrual.first()
    return calendar.month_of(first) if first is not None else default


def next_month_to_close(*, now: datetime.datetime | None = None) -> calendar.Month:
    """The month an officer closes next: the one after the last closed, or
    the first month with a sale (last month before any). Months close in
    order, so it is the only one a close can take."""
    last_closed = (
        AccountingPeriod.objects.filter(status=AccountingPeriod.Status.CLOSED)
        .order_by("-start")
        .values_list("code", flat=True)
        .first()
    )
    if last_closed is not None:
        return calendar.parse(last_closed).next()
    return first_month(default=calendar.month_of(now or timezone.now()).previous())


def _require_earlier_months_closed(month: calendar.Month) -> None:
    earlier = calendar.months_between(first_month(default=month), month.previous())
    closed = set(
        AccountingPeriod.objects.filter(
            code__in=[m.code for m in earlier], status=AccountingPeriod.Status.CLOSED
        ).values_list("code", flat=True)
    )
    still_open = [m.code for m in earlier if m.code not in closed]
    if still_open:
        raise PeriodError(
            _("请先按顺序结算更早的期间：%(codes)s。") % {"codes": "、".join(still_open[:3])}
        )


def _close_pool(
    *,
    pool: AidPool,
    month: calendar.Month,
    record: AccountingPeriod,
    now: datetime.datetime,
    result: CloseResult,
) -> None:
    # Locked, so a refund arriving meanwhile waits and then sees the line as
    # distributed (its reversal is netted by the next close).
    candidates = (
        LineAccrual.objects.select_for_update(of=("self",))
        .filter(pool=pool, distributed_in__isnull=True, booked_at__lt=month.ends_at)
        .values_list(*CANDIDATE_FIELDS)
        .order_by("pk")
    )
    due = [
        line
        for line in (Candidate(*row) for row in candidates)
        if is_return_window_over(line, now=now)
    ]
    late = list(
        AidReversal.objects.select_for_update(of=("self",))
        .filter(accrual__pool=pool, accrual__distributed_in__isnull=False, netted_in__isnull=True)
        .order_by("pk")
    )
    if not due and not late:
        return
    lines_fen = sum(line.aid_fen - line.reversed_fen for line in due)
    late_fen = sum(reversal.aid_fen for reversal in late)
    amount = lines_fen - late_fen
    # Only what the split and the accounts need: a close must work, and never
    # decrypt personal data, even when an encryption key is unreadable.
    households = list(pool.beneficiaries().only(*allocation.SPLIT_FIELDS))
    if amount <= 0:
        if late:
            result.carried.append(
                CarriedPool(pool=pool, amount_fen=amount, reason=_("退款冲回不少于本期可分配金额"))
            )
        return
    if not households:
        result.carried.append(
            CarriedPool(pool=pool, amount_fen=amount, reason=_("资金池没有符合条件的受益户"))
        )
        return

    shares = allocation.split_among_households(
        amount_fen=amount, households=households, weighting=pool.weighting, period=month.code
    )
    # Every household's account in one query, not one per household.
    accounts = accounts_for(
        owners=[pool_owner(pool), *(household_owner(household) for household in households)]
    )
    posting = post_transaction(
        kind=TransactionKind.DISTRIBUTION,
        idempotency_key=f"distribution:pool:{pool.pk}:period:{month.code}",
        entries=[
            EntrySpec(account=accounts[AccountOwnerType.POOL, pool.pk], amount_fen=amount),
            *(
                EntrySpec(
                    account=accounts[AccountOwnerType.HOUSEHOLD, household.pk],
                    amount_fen=-share,
                )
                for household, share in sorted(
                    shares.items(), key=lambda item: item[0].registration_number
                )
                if share
            ),
        ],
        source=f"period:{month.code}",
        memo=f"{pool.name} {month.code} 分配",
        booked_at=now,
    )
    due_ids = [line.accrual_id for line in due]
    for batch in _id_batches(due_ids, limit=connection.features.max_query_params):
        LineAccrual.objects.filter(pk__in=batch).update(
            distributed_in=record, distributed_fen=F("aid_fen") - F("reversed_fen")
        )
        AidReversal.objects.filter(accrual_id__in=batch, netted_in__isnull=True).update(
            netted_in=record
        )
    for batch in _id_batches(
        [reversal.pk for reversal in late], limit=connection.features.max_query_params
    ):
        AidReversal.objects.filter(pk__in=batch).update(netted_in=record)
    result.distributions.append(
        PoolDistribution.objects.create(
            pool=pool,
            period=record,
            transaction=posting,
            lines_fen=lines_fen,
            late_reversals_fen=late_fen,
            amount_fen=amount,
            household_count=len(households),
            weighting=pool.weighting,
            created_at=now,
        )
    )


def _id_batches(ids: list[int], *, limit: int | None) -> list[Sequence[int]]:
    """``ids`` in as few ``WHERE id IN (...)`` lists as the database takes
    (``limit``, its ``max_query_params``): one on PostgreSQL, under SQLite's
    limit (with room for the statement's others) there. A month has thousands
    of lines."""
    if limit is None:
        return [ids] if ids else []
    return list(itertools.batched(ids, limit - 10))
