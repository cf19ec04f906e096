"""What each payee can be paid now, and what is held and why (DESIGN §7 flow 4).

A payout batch pays each payee ``balance − held − already in open batches``,
where the balance is its payable account's in the ledger and "held" is:

Producers (credited at accrual, ``accrual.accrue``)
    - **return window**: its share of each line that can still come back
      (``shop.orders.returns.line_can_come_back``, the rule the close uses),
      net of that line's refunds (``producer_fen − refunded + aid reversed``),
      and the shipping fee of each shipment with such a line (a whole-order
      refund gives the fee back, so it waits as long as its lines do);
    - an **offset** is not a hold but is shown: refunds booked since the
      producer's last paid batch was drafted, of lines already past their
      window then, took back money already paid. The ledger nets them
      against what has become payable since; ``eligible = paid + offset``.
      What they take beyond it leaves a **negative balance**, owed back from
      later sales.

Households (credited by a close, ``periods.close``)
    - **notice pending**: a month's credit until the notice (公示) of the
      household's village and month is published and its window has ended;
    - **objection**: while an open objection names the household's row, or
      the whole notice (a row generated before rows named their household
      counts as the whole notice); an upheld one keeps holding
      (**objection upheld**);
    - **removed**: a household removed from the register (only a close
      credits it, so it was removed after one) is held until an aid officer
      records a decision with a reason (``decide_removed_household``); the
      latest decision applies: pay, or keep withholding (**withheld**). The
      amount stays on its payable either way, so the ledger is untouched
      and balanced.

A payee with a positive amount but no bank account (household) or payout
account (producer) is held too (**no account**). Every hold is returned, so
a draft records each payee it does not pay, with the reason.

Every figure comes from a fixed number of queries, whatever the history: sums
in the database, and the return-window rule applied only to lines of orders
not completed yet (the shop completes an order once nothing of it can come
back) and to refunds since a producer's last payout.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from aid_accounting.accrual.models import LineAccrual
from aid_accounting.exceptions import PayoutError
from aid_accounting.households.models import Household
from aid_accounting.ledger.kinds import TransactionKind
from aid_accounting.ledger.models import Account, Entry
from aid_accounting.ledger.posting import posted_totals
from aid_accounting.notices.models import Notice, NoticeObjection
from aid_accounting.payouts.models import (
    PayoutBatch,
    PayoutHold,
    PayoutRow,
    RemovedHouseholdDecision,
)
from aid_accounting.periods.models import PoolDistribution
from core.roles import require_aid_officer
from producers.models import Producer
from shop.orders import returns

Reason = PayoutHold.Reason

OPEN_STATUSES = (
    PayoutBatch.Status.DRAFT,
    PayoutBatch.Status.APPROVED,
    PayoutBatch.Status.EXPORTED,
)

# An objection holds while it is open and after it is upheld.
HOLDING_OBJECTIONS = (NoticeObjection.Status.OPEN, NoticeObjection.Status.UPHELD)


@dataclass
class Payability:
    """One payee's figures, in fen. ``payable_fen`` is what a batch may pay now."""

    account: Account
    balance_fen: int
    in_open_batches_fen: int = 0
    # Not paid, by reason (offset and negative balance included, for the record); each
    # amount is positive: a reason is recorded only with something it keeps back.
    holds: dict[PayoutHold.Reason, int] = field(default_factory=dict)
    offset_fen: int = 0
    eligible_fen: int = 0
    payable_fen: int = 0

    @property
    def held_fen(self) -> int:
        """What the holds keep back from the balance (not the offset, which the
        balance already nets, nor a negative balance)."""
        return sum(
            amount
            for reason, amount in self.holds.items()
            if reason not in (Reason.OFFSET, Reason.NEGATIVE_BALANCE, Reason.NO_ACCOUNT)
        )


def payability(
    *, kind: PayoutBatch.Kind | str, accounts: dict[int, Account], now: datetime.datetime
) -> dict[int, Payability]:
    """Each payee's figures for the payable ``accounts`` (by id) of ``kind``, at ``now``."""
    kind = PayoutBatch.Kind(kind)
    totals = posted_totals(account_ids=accounts)
    in_open = _in_open_batches(accounts)
    result = {
        pk: Payability(
            account=account, balance_fen=-totals[pk], in_open_batches_fen=in_open.get(pk, 0)
        )
        for pk, account in accounts.items()
    }
    owners = {account.owner_id: pk for pk, account in accounts.items()}
    if kind == PayoutBatch.Kind.PRODUCER:
        _producer_holds(result, owners, now=now)
        with_account = set(
            Producer.objects.filter(pk__in=owners, payout_account__isnull=False).values_list(
                "pk", flat=True
            )
        )
    else:
        with_account = _household_holds(result, owners, now=now)
    for owner_id, pk in owners.items():
        _settle(result[pk], has_account=owner_id in with_account)
    return result


def record_holds(*, batch: PayoutBatch, payees: dict[int, Payability]) -> list[PayoutHold]:
    """Write the draft's record of what it did not pay each payee, and why."""
    holds = [
        PayoutHold(
            batch=batch,
            account=figures.account,
            household_id=figures.account.owner_id
            if batch.kind == PayoutBatch.Kind.HOUSEHOLD
            else None,
            producer_id=figures.account.owner_id
            if batch.kind == PayoutBatch.Kind.PRODUCER
            else None,
            reason=reason,
            amount_fen=amount,
            eligible_fen=figures.eligible_fen if reason == Reason.OFFSET else None,
        )
        for figures in payees.values()
        for reason, amount in figures.holds.items()
    ]
    return PayoutHold.objects.bulk_create(holds)


def decide_removed_household(
    *,
    household: Household,
    decision: RemovedHouseholdDecision.Decision | str,
    reason: str,
    actor: AbstractUser,
) -> RemovedHouseholdDecision:
    """Record an aid officer's decision on a removed household's payable:
    pay it in the next batch, or keep withholding it."""
    require_aid_officer(actor)
    decision = RemovedHouseholdDecision.Decision(decision)
    reason = reason.strip()
    if not reason:
        raise PayoutError(_("请填写决定的理由。"))
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        if household.status != Household.Status.REMOVED:
            raise PayoutError(
                _("%(household)s 没有退出登记，其应付款按公示规则支付，无需决定。")
                % {"household": household}
            )
        return RemovedHouseholdDecision.objects.create(
            household=household, decision=decision, reason=reason, decided_by=actor
        )


def _settle(figures: Payability, *, has_account: bool) -> None:
    """From the holds to what may be paid; the rest is recorded as held."""
    rest = figures.balance_fen - figures.in_open_batches_fen - figures.held_fen
    figures.eligible_fen = max(0, rest + figures.offset_fen)
    offset = figures.eligible_fen - max(rest, 0)
    if offset:
        figures.holds[Reason.OFFSET] = offset
    if rest < 0:
        figures.holds[Reason.NEGATIVE_BALANCE] = -rest
    if rest > 0 and not has_account:
        figures.holds[Reason.NO_ACCOUNT] = rest
        rest = 0
    figures.payable_fen = max(rest, 0)


def _in_open_batches(accounts: dict[int, Account]) -> dict[int, int]:
    held = (
        PayoutRow.objects.filter(
            account_id__in=accounts,
            status=PayoutRow.Status.PENDING,
            batch__status__in=OPEN_STATUSES,
        )
        .values("account_id")
        .annotate(total=Sum("amount_fen"))
    )
    return {row["account_id"]: row["total"] for row in held}


# Producers ----------------------------------------------------------------------


def _producer_holds(
    result: dict[int, Payability], owners: dict[int, int], *, now: datetime.datetime
) -> None:
    open_lines = (
        LineAccrual.objects.filter(
            line__producer_id__in=owners, refunded_fen__lt=F("line_total_fen")
        )
        # A completed order can no longer come back: the shop completes orders
        # once past their window, so this leaves the recent lines only.
        .filter(Q(line__order__completed_at__isnull=True) | Q(line__order__completed_at__gt=now))
        .values_list(
            "line__producer_id",
            "producer_fen",
            "refunded_fen",
            "reversed_fen",
            "line_total_fen",
            "line__shipment__delivered_at",
            "line__return_window_days",
            "line__order__completed_at",
            "line__shipment_id",
            "line__shipment__shipping_fen",
        )
    )
    held: defaultdict[int, int] = defaultdict(int)
    open_shipments: set[int] = set()
    for (
        producer_id,
        producer_fen,
        refunded,
        reversed_aid,
        total,
        delivered_at,
        window_days,
        completed_at,
        shipment_id,
        shipping_fen,
    ) in open_lines:
        if not returns.line_can_come_back(
            delivered_at=delivered_at,
            return_window_days=window_days,
            completed_at=completed_at,
            refunded_fen=refunded,
            total_fen=total,
            now=now,
        ):
            continue
        # What the producer is still credited for the line: its share less
        # the refunds, of which the pool bore the aid reversed.
        held[producer_id] += producer_fen - refunded + reversed_aid
        if shipment_id not in open_shipments:
            open_shipments.add(shipment_id)
            held[producer_id] += shipping_fen
    for producer_id, amount in held.items():
        if amount:
            result[owners[producer_id]].holds[Reason.RETURN_WINDOW] = amount
    for account_id, amount in _offsets(result).items():
        result[account_id].offset_fen = amount


def _offsets(result: dict[int, Payability]) -> dict[int, int]:
    """Per producer account, the refunds booked since its last paid batch was
    drafted of lines (and their orders' shipping) already past their window
    then: money paid out that came back to the buyer."""
    last_paid = dict(
        PayoutRow.objects.filter(account_id__in=result, status=PayoutRow.Status.PAID)
        .values("account_id")
        .annotate(drafted=Max("batch__created_at"))
        .values_list("account_id", "drafted")
    )
    if not last_paid:
        return {}
    refunds = Entry.objects.filter(
        account_id__in=last_paid,
        transaction__posted=True,
        transaction__kind=TransactionKind.REVERSAL,
        transaction__created_at__gt=min(last_paid.values()),
    ).values_list(
        "account_id",
        "amount_fen",
        "transaction__created_at",
        "transaction__source",
        "order_line_id",
        "order_line__shipment__delivered_at",
        "order_line__return_window_days",
        "order_line__order__completed_at",
    )
    offsets: defaultdict[int, int] = defaultdict(int)
    shipping = []
    paid_orders: set[tuple[int, str]] = set()
    for account_id, amount, booked_at, source, line_id, delivered_at, days, completed in refunds:
        drafted = last_paid[account_id]
        if booked_at <= drafted:
            continue
        if line_id is None:
            shipping.append((account_id, amount, source))
            continue
        # Refunded since, so not refunded in full when the batch was drafted.
        if not returns.line_can_come_back(
            delivered_at=delivered_at,
            return_window_days=days,
            completed_at=completed,
            refunded_fen=0,
            total_fen=1,
            now=drafted,
        ):
            offsets[account_id] += amount
            paid_orders.add((account_id, source))
    for account_id, amount, source in shipping:
        if (account_id, source) in paid_orders:
            offsets[account_id] += amount
    return offsets


# Households ---------------------------------------------------------------------


def _household_holds(
    result: dict[int, Payability], owners: dict[int, int], *, now: datetime.datetime
) -> set[int]:
    """Add the households' holds; returns the ids of those with a bank account."""
    households = (
        Household.objects.filter(pk__in=owners)
        # The stored value is compared, not decrypted: an empty one is stored as is.
        .annotate(stored_account=Cast("bank_account_number", models.TextField()))
        .values_list("pk", "status", "stored_account")
    )
    with_account, removed = set(), []
    for pk, status, stored_account in households:
        if stored_account:
            with_account.add(pk)
        if status == Household.Status.REMOVED:
            removed.append(pk)
    for owner_id, reason, amount in _held_credits(list(result), now=now):
        holds = result[owners[owner_id]].holds
        holds[reason] = holds.get(reason, 0) + amount
    decisions = _latest_decisions(removed)
    for owner_id in removed:
        figures = result[owners[owner_id]]
        rest = figures.balance_fen - figures.in_open_batches_fen - figures.held_fen
        if rest > 0 and decisions.get(owner_id) != RemovedHouseholdDecision.Decision.PAY:
            reason = Reason.REMOVED if owner_id not in decisions else Reason.WITHHELD
            figures.holds[reason] = rest
    return with_account


def _held_credits(account_ids: list[int], *, now: datetime.datetime):
    """(household id, reason, fen) of each month's credit that waits for its notice."""
    period = Subquery(
        PoolDistribution.objects.filter(transaction_id=OuterRef("transaction_id")).values(
            "period_id"
        )[:1]
    )
    village = Subquery(
        Household.objects.filter(pk=OuterRef("account__owner_id")).values("village_id")[:1]
    )
    notice_over = Notice.objects.filter(
        village_id=OuterRef("village"),
        period_id=OuterRef("period"),
        status=Notice.Status.PUBLISHED,
        window_ends__lte=now,
    )
    objections = NoticeObjection.objects.filter(
        Q(row__isnull=True)
        | Q(row__household__isnull=True)
        | Q(row__household_id=OuterRef("account__owner_id")),
        notice__village_id=OuterRef("village"),
        notice__period_id=OuterRef("period"),
    )
    credits = (
        Entry.objects.filter(
            account_id__in=account_ids,
            transaction__posted=True,
            transaction__kind=TransactionKind.DISTRIBUTION,
        )
        .annotate(period=period, village=village)
        .annotate(
            notice_over=Exists(notice_over),
            objected=Exists(objections.filter(status=NoticeObjection.Status.OPEN)),
            upheld=Exists(objections.filter(status=NoticeObjection.Status.UPHELD)),
        )
        .filter(Q(notice_over=False) | Q(objected=True) | Q(upheld=True))
        .values_list("account__owner_id", "amount_fen", "notice_over", "upheld")
    )
    for owner_id, amount, over, upheld in credits:
        if not over:
            reason = Reason.NOTICE_PENDING
        elif upheld:
            reason = Reason.OBJECTION_UPHELD
        else:
            reason = Reason.OBJECTION
        # A credit to a payable is a negative entry.
        yield owner_id, reason, -amount


def _latest_decisions(household_ids: list[int]) -> dict[int, str]:
    if not household_ids:
        return {}
    decisions = RemovedHouseholdDecision.objects.filter(household_id__in=household_ids).order_by(
        "household_id", "-decided_at", "-pk"
    )
    latest: dict[int, str] = {}
    for household_id, decision in decisions.values_list("household_id", "decision"):
        latest.setdefault(household_id, decision)
    return latest
