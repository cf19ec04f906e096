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
"""

import datetime

from django.db import transaction
from django.utils import timezone

from shop.models import Order, OrderLine, Refund

from . import allocation
from .ledger import (
    EntrySpec,
    clearing_account,
    pool_account,
    post_transaction,
    producer_account,
)
from .models import Account, AidReversal, LineAccrual, Transaction


def on_order_paid(sender, *, order: Order, **kwargs) -> None:
    accrue_order(order=order)


def on_line_refunded(
    sender, *, refund: Refund, line: OrderLine, quantity: int, amount_fen: int, **kwargs
) -> None:
    reverse_refund(refund=refund, line=line, amount_fen=amount_fen)


@transaction.atomic
def accrue_order(*, order: Order) -> list[LineAccrual]:
    """Accrue every line of a paid order, and its shipping; lines already
    accrued are left as they are."""
    if order.paid_at is None:
        raise ValueError(f"order {order.number} is not paid; nothing to accrue")
    paid_on = timezone.localtime(order.paid_at).date()
    existing = {
        accrual.line_id: accrual for accrual in LineAccrual.objects.filter(line__order=order)
    }
    clearing = clearing_account()
    accruals = [
        existing.get(line.pk)
        or _accrue_line(line=line, order=order, paid_on=paid_on, clearing=clearing)
        for line in order.lines.select_related("variant", "producer").order_by("pk")
    ]
    _post_shipping(order=order, clearing=clearing, kind=Transaction.Kind.ACCRUAL)
    return accruals


@transaction.atomic
def reverse_refund(*, refund: Refund, line: OrderLine, amount_fen: int) -> AidReversal:
    """Reverse the part of ``line``'s accrual that ``amount_fen`` of ``refund`` refunds.

    If the line's aid was distributed already, the pool is debited all the
    same and may go negative; the next close distributes that much less.
    """
    existing = AidReversal.objects.filter(refund=refund, accrual__line=line).first()
    if existing is not None:
        return existing
    # A line paid before its accrual could be written is accrued first, so the
    # ledger never reverses what it never accrued.
    accrue_order(order=line.order)
    accrual = (
        LineAccrual.objects.select_for_update(of=("self",)).select_related("pool").get(line=line)
    )
    refunded = accrual.refunded_fen + amount_fen
    if amount_fen <= 0 or refunded > accrual.line_total_fen:
        raise ValueError(
            f"refund {refund.pk} of {amount_fen} fen: line {line.pk} has "
            f"{accrual.line_total_fen - accrual.refunded_fen} fen left to refund"
        )
    aid = (
        allocation.aid_reversed_after(
            aid_fen=accrual.aid_fen, line_total_fen=accrual.line_total_fen, refunded_fen=refunded
        )
        - accrual.reversed_fen
    )
    legs = [(clearing_account(), -amount_fen), (producer_account(line.producer), amount_fen - aid)]
    if aid:
        legs.append((pool_account(accrual.pool), aid))
    posting = post_transaction(
        kind=Transaction.Kind.REVERSAL,
        idempotency_key=f"reversal:refund:{refund.pk}:line:{line.pk}",
        entries=_line_entries(legs, line),
        source=f"order:{line.order.number}",
        memo=f"退款 {refund.pk}：{line.product_title}·{line.variant_name}",
    )
    accrual.refunded_fen = refunded
    accrual.reversed_fen += aid
    accrual.save(update_fields=["refunded_fen", "reversed_fen"])
    reversal = AidReversal.objects.create(
        accrual=accrual, refund=refund, refunded_fen=amount_fen, aid_fen=aid, transaction=posting
    )
    if refund.line_id is None:
        # A whole-order refund gives the shipping back too (shop.refunds).
        _post_shipping(
            order=line.order, clearing=clearing_account(), kind=Transaction.Kind.REVERSAL
        )
    return reversal


def _accrue_line(
    *, line: OrderLine, order: Order, paid_on: datetime.date, clearing: Account
) -> LineAccrual:
    split = allocation.allocate_line(line=line, on=paid_on)
    posting = None
    if line.total_fen:
        legs = [(clearing, line.total_fen), (producer_account(line.producer), -split.producer_fen)]
        if split.aid_fen:
            legs.append((pool_account(split.rule.pool), -split.aid_fen))
        rule_text = f"规则 {split.rule}（{split.rule.pk}）" if split.rule else "无帮扶规则"
        posting = post_transaction(
            kind=Transaction.Kind.ACCRUAL,
            idempotency_key=f"accrual:order-line:{line.pk}",
            entries=_line_entries(legs, line),
            source=f"order:{order.number}",
            memo=f"{line.product_title}·{line.variant_name} × {line.quantity}；{rule_text}",
            booked_at=order.paid_at,
        )
    return LineAccrual.objects.create(
        line=line,
        rule=split.rule,
        pool=split.rule.pool if split.aid_fen else None,
        line_total_fen=line.total_fen,
        aid_fen=split.aid_fen,
        producer_fen=split.producer_fen,
        accrued_at=order.paid_at,
        transaction=posting,
    )


def _line_entries(legs: list[tuple[Account, int]], line: OrderLine) -> list[EntrySpec]:
    return [
        EntrySpec(account=account, amount_fen=amount, order_line_id=line.pk)
        for account, amount in legs
        if amount
    ]


def _post_shipping(*, order: Order, clearing: Account, kind: Transaction.Kind) -> None:
    """Shipping paid (accrual) or refunded (reversal): clearing against each
    shipping producer. Once per order and kind, whoever asks."""
    shipments = [
        shipment
        for shipment in order.shipments.select_related("producer").order_by("pk")
        if shipment.shipping_fen
    ]
    total = sum(shipment.shipping_fen for shipment in shipments)
    if total != order.shipping_fen:
        raise ValueError(
            f"order {order.number}: shipments charge {total} fen of shipping, "
            f"the order {order.shipping_fen}"
        )
    if not total:
        return
    sign = 1 if kind == Transaction.Kind.ACCRUAL else -1
    post_transaction(
        kind=kind,
        idempotency_key=f"{kind.value}:order:{order.pk}:shipping",
        entries=[
            EntrySpec(account=clearing, amount_fen=sign * total),
            *(
                EntrySpec(
                    account=producer_account(shipment.producer),
                    amount_fen=-sign * shipment.shipping_fen,
                )
                for shipment in shipments
            ),
        ],
        source=f"order:{order.number}",
        memo="运费" if sign > 0 else "运费退款",
        booked_at=order.paid_at if sign > 0 else None,
    )
