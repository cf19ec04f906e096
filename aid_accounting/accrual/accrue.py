"""Accrual when an order is paid, and its reversal when a line is refunded
(DESIGN §7 flows 1 and 2).

The receivers below are connected to ``shop.events`` in
``AidAccountingConfig.ready()``. The shop sends those signals inside its own
database transaction, so a paid order and its accrual commit together, and
an error here rolls the payment back. Online and offline sales are accrued
alike.

Per paid order the ledger gets one accrual transaction per line (debit
processor clearing with the line total; credit the producer with the line
less aid and the rule's pool with the aid; every entry carries the line), and
one for the shipping (debit clearing, credit each producer with its
shipment's fee), so the order's transactions debit clearing with exactly what
the buyer paid. Refunds post the mirror image, in proportion (see
``allocation.aid_reversed_after``). Each posting has an idempotency key, and
each line has at most one ``LineAccrual``, so a replayed event posts nothing.

A sale is booked when it was paid and a refund when it is made, unless that
month is closed already: then in the first open month, the real time kept
beside it (``accrual.booking``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from aid_accounting import calendar
from aid_accounting.accrual import booking
from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.ledger.kinds import AccountOwnerType, TransactionKind
from aid_accounting.ledger.posting import (
    EntrySpec,
    Posting,
    accounts_for,
    clearing_account,
    clearing_owner,
    pool_account,
    pool_owner,
    post_transaction,
    post_transactions,
    producer_account,
    producer_owner,
)
from aid_accounting.rules import allocation
from shop.orders.models import Order, OrderLine, Shipment
from shop.payments.models import Refund

if TYPE_CHECKING:  # type hints only: writers reach the ledger through ledger.posting
    from aid_accounting.ledger.models import Account


def on_order_paid(sender, *, order: Order, **kwargs) -> None:
    accrue_order(order=order)


def on_line_refunded(
    sender, *, refund: Refund, line: OrderLine, quantity: int, amount_fen: int, **kwargs
) -> None:
    reverse_refund(refund=refund, line=line, amount_fen=amount_fen)


def accrue_order(*, order: Order) -> list[LineAccrual]:
    """Accrue every line of a paid order, and its shipping; lines already
    accrued are left as they are. Returns the order's accruals, line by line."""
    return accrue_orders(orders=[order])[order.pk]


def accrue_orders(*, orders: Sequence[Order]) -> dict[int, list[LineAccrual]]:
    """Accrue paid ``orders`` as ``accrue_order`` accrues one, all in the
    caller's transaction; their accruals by order id. A fixed number of
    queries however many orders and lines: their rules, accounts, postings
    and accruals are each read or written together. Payment accrues its one
    order; ``aid_accrue_paid`` accrues orders paid outside the shop in
    batches."""
    unpaid = [order.number for order in orders if order.paid_at is None]
    if unpaid:
        raise ValueError(f"order {', '.join(unpaid)} is not paid; nothing to accrue")
    return _accrue({order.pk: order for order in orders})


# No savepoint inside the order-paid transaction: if accrual fails, the
# payment rolls back with it anyway.
def _accrue(by_pk: dict[int, Order]) -> dict[int, list[LineAccrual]]:
    with transaction.atomic(savepoint=False):
        lines = list(
            OrderLine.objects.filter(order__in=by_pk)
            .select_related("variant", "producer", "shipment", "aid_accrual")
            .order_by("order_id", "pk")
        )
        # hasattr: a line without an accrual raises on the reverse one-to-one.
        new_lines = [line for line in lines if not hasattr(line, "aid_accrual")]
        head, opens_at = booking.open_for_booking()
        booked = {
            pk: booking.booking_time(order.paid_at, opens_at=opens_at)
            for pk, order in by_pk.items()
        }
        splits = allocation.allocate_lines(
            lines=new_lines,
            paid_on={pk: timezone.localtime(order.paid_at).date() for pk, order in by_pk.items()},
        )
        lines_of: dict[int, list[OrderLine]] = defaultdict(list)
        for line in lines:
            lines_of[line.order_id].append(line)
        accounts = accounts_for(
            owners=[
                clearing_owner(),
                *(producer_owner(line.producer) for line in lines),
                *(pool_owner(split.rule.pool) for split in splits.values() if split.aid_fen),
            ]
        )
        clearing = accounts[AccountOwnerType.PROCESSOR_CLEARING, None]
        postings = {
            line.pk: _line_posting(
                line=line,
                order=by_pk[line.order_id],
                split=splits[line.pk],
                accounts=accounts,
                booked_at=booked[line.order_id],
            )
            for line in new_lines
            if line.total_fen
        }
        shipping = []
        for pk, order in by_pk.items():
            shipments = _charged_shipments(
                order,
                shipments=sorted({line.shipment for line in lines_of[pk]}, key=lambda s: s.pk),
            )
            posting = _shipping_posting(
                order=order,
                shipments=shipments,
                clearing=clearing,
                producer_accounts={
                    shipment.pk: accounts[AccountOwnerType.PRODUCER, shipment.producer_id]
                    for shipment in shipments
                },
                kind=TransactionKind.ACCRUAL,
                booked_at=booked[pk],
            )
            if posting:
                shipping.append(posting)
        posted = post_transactions(postings=[*postings.values(), *shipping], head=head)
        transactions = dict(zip(postings, posted[: len(postings)], strict=True))
        LineAccrual.objects.bulk_create(
            LineAccrual(
                line=line,
                rule=splits[line.pk].rule,
                pool=splits[line.pk].rule.pool if splits[line.pk].aid_fen else None,
                line_total_fen=line.total_fen,
                aid_fen=splits[line.pk].aid_fen,
                producer_fen=splits[line.pk].producer_fen,
                accrued_at=by_pk[line.order_id].paid_at,
                booked_at=booked[line.order_id],
                transaction=transactions.get(line.pk),
            )
            for line in new_lines
        )
        # A new accrual made with line=line is cached as that line's aid_accrual too.
        return {pk: [line.aid_accrual for line in lines_of[pk]] for pk in by_pk}


def accrue_paid_orders(*, batch_size: int = 500) -> tuple[int, int]:
    """Accrue every paid order that has lines without an accrual, oldest
    first, ``batch_size`` orders per database transaction; returns how many
    orders and lines it accrued. The shop accrues an order as it is paid, so
    only orders recorded outside it (moved from an earlier platform, a table
    restored on its own) need this; ``aid_reconcile`` lists them."""
    if batch_size < 1:
        raise ValueError(f"batch size {batch_size}: it must be at least 1")
    orders = lines = 0
    last = 0
    while True:
        with transaction.atomic():
            pending = (
                OrderLine.objects.filter(
                    order_id__gt=last, order__paid_at__isnull=False, aid_accrual__isnull=True
                )
                .values_list("order_id", flat=True)
                .distinct()
                .order_by("order_id")[:batch_size]
            )
            batch = list(
                Order.objects.select_for_update().filter(pk__in=list(pending)).order_by("pk")
            )
            if not batch:
                return orders, lines
            before = LineAccrual.objects.filter(line__order__in=batch).count()
            accrued = accrue_orders(orders=batch)
        orders += len(batch)
        lines += sum(len(accruals) for accruals in accrued.values()) - before
        last = batch[-1].pk


def reverse_refund(*, refund: Refund, line: OrderLine, amount_fen: int) -> AidReversal:
    """Reverse the part of ``line``'s accrual that ``amount_fen`` of ``refund`` refunds.

    If the line's aid was distributed already, the pool is debited all the
    same and may go negative; the next close distributes that much less.
    """
    with transaction.atomic():
        existing = AidReversal.objects.filter(refund=refund, accrual__line=line).first()
        if existing is not None:
            return existing
        # A line paid before its accrual could be written is accrued first, so the
        # ledger never reverses what it never accrued.
        accrue_order(order=line.order)
        # The booking (and the chain head it locks) before the accrual's row, in
        # the order a close takes them, so the two never wait for each other.
        made_at = timezone.now()
        booked_at = booking.booking_time(made_at, opens_at=booking.first_open_moment())
        accrual = (
            LineAccrual.objects.select_for_update(of=("self",))
            .select_related("pool")
            .get(line=line)
        )
        refunded = accrual.refunded_fen + amount_fen
        if amount_fen <= 0 or refunded > accrual.line_total_fen:
            raise ValueError(
                f"refund {refund.pk} of {amount_fen} fen: line {line.pk} has "
                f"{accrual.line_total_fen - accrual.refunded_fen} fen left to refund"
            )
        aid = (
            allocation.aid_reversed_after(
                aid_fen=accrual.aid_fen,
                line_total_fen=accrual.line_total_fen,
                refunded_fen=refunded,
            )
            - accrual.reversed_fen
        )
        legs = [
            (clearing_account(), -amount_fen),
            (producer_account(line.producer), amount_fen - aid),
        ]
        if aid:
            legs.append((pool_account(accrual.pool), aid))
        posting = post_transaction(
            kind=TransactionKind.REVERSAL,
            idempotency_key=f"reversal:refund:{refund.pk}:line:{line.pk}",
            entries=_line_entries(legs, line),
            source=f"order:{line.order.number}",
            memo=f"退款 {refund.pk}：{line.product_title}·{line.variant_name}"
            + _late_note(made_at, booked_at, "退款"),
            booked_at=booked_at,
        )
        accrual.refunded_fen = refunded
        accrual.reversed_fen += aid
        accrual.save(update_fields=["refunded_fen", "reversed_fen"])
        reversal = AidReversal.objects.create(
            accrual=accrual,
            refund=refund,
            refunded_fen=amount_fen,
            aid_fen=aid,
            transaction=posting,
            created_at=made_at,
            booked_at=booked_at,
        )
        if refund.line_id is None:
            # A whole-order refund gives the shipping back too (shop.payments.refunds).
            shipments = _charged_shipments(
                line.order, shipments=list(line.order.shipments.select_related("producer"))
            )
            shipping = _shipping_posting(
                order=line.order,
                shipments=shipments,
                clearing=clearing_account(),
                producer_accounts={s.pk: producer_account(s.producer) for s in shipments},
                kind=TransactionKind.REVERSAL,
                booked_at=booked_at,
            )
            if shipping:
                post_transactions(postings=[shipping])
        return reversal


def _line_posting(
    *,
    line: OrderLine,
    order: Order,
    split: allocation.LineAid,
    accounts: dict[tuple[str, int | None], Account],
    booked_at: datetime.datetime,
) -> Posting:
    """Debit clearing with the line total, credit the producer with the rest
    and the pool with the aid."""
    legs = [
        (accounts[AccountOwnerType.PROCESSOR_CLEARING, None], line.total_fen),
        (accounts[AccountOwnerType.PRODUCER, line.producer_id], -split.producer_fen),
    ]
    if split.aid_fen:
        legs.append((accounts[AccountOwnerType.POOL, split.rule.pool_id], -split.aid_fen))
    rule_text = f"规则 {split.rule}（{split.rule.pk}）" if split.rule else "无帮扶规则"
    return Posting(
        kind=TransactionKind.ACCRUAL,
        idempotency_key=f"accrual:order-line:{line.pk}",
        entries=_line_entries(legs, line),
        source=f"order:{order.number}",
        memo=f"{line.product_title}·{line.variant_name} × {line.quantity}；{rule_text}"
        + _late_note(order.paid_at, booked_at, "付款"),
        booked_at=booked_at,
    )


def _late_note(real: datetime.datetime, booked: datetime.datetime, what: str) -> str:
    """What the memo says of an event booked after its real time (its month
    was closed), so that staff reading the ledger see both."""
    if booked == real:
        return ""
    return (
        f"；{what}于 {timezone.localtime(real):%Y-%m-%d %H:%M}，"
        f"该月已结算，记入 {calendar.month_of(booked).code}"
    )


def _line_entries(legs: list[tuple[Account, int]], line: OrderLine) -> list[EntrySpec]:
    return [
        EntrySpec(account=account, amount_fen=amount, order_line_id=line.pk)
        for account, amount in legs
        if amount
    ]


def _charged_shipments(order: Order, *, shipments: list[Shipment]) -> list[Shipment]:
    """The order's ``shipments`` that charge shipping, checked against the order."""
    shipments = [shipment for shipment in shipments if shipment.shipping_fen]
    total = sum(shipment.shipping_fen for shipment in shipments)
    if total != order.shipping_fen:
        raise ValueError(
            f"order {order.number}: shipments charge {total} fen of shipping, "
            f"the order {order.shipping_fen}"
        )
    return shipments


def _shipping_posting(
    *,
    order: Order,
    shipments: list[Shipment],
    clearing: Account,
    producer_accounts: dict[int, Account],
    kind: TransactionKind,
    booked_at: datetime.datetime,
) -> Posting | None:
    """Shipping paid (accrual) or refunded (reversal): clearing against each
    shipping producer (``producer_accounts`` by shipment id). Once per order
    and kind, whoever asks; None when the order charged no shipping."""
    if not shipments:
        return None
    sign = 1 if kind == TransactionKind.ACCRUAL else -1
    return Posting(
        kind=kind,
        idempotency_key=f"{kind.value}:order:{order.pk}:shipping",
        entries=[
            EntrySpec(account=clearing, amount_fen=sign * order.shipping_fen),
            *(
                EntrySpec(
                    account=producer_accounts[shipment.pk],
                    amount_fen=-sign * shipment.shipping_fen,
                )
                for shipment in shipments
            ),
        ],
        source=f"order:{order.number}",
        memo="运费" if sign > 0 else "运费退款",
        booked_at=booked_at,
    )
