"""Refunds by staff: a whole order, a quantity of one line, or money received
that did not buy the order's goods (a surplus payment); and refunds an
after-sales decision owes the buyer (``request_aftersales_refund``).

A refund is first written as pending (with its idempotency key), then sent to
the gateway outside any database transaction, then applied; if the process
dies in between, running ``execute_refund`` again asks the gateway with the
same key and applies the same outcome once. Applying gives stock back for
goods not yet shipped and announces ``line_refunded`` for the aid ledger.
"""

import logging
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import format_yuan
from core.roles import Actor, acting_user
from shop import events
from shop.orders import inventory, notifications
from shop.orders.models import Order, OrderEvent, OrderLine, Shipment
from shop.orders.ownership import require_refunder
from shop.payments.gateway import PaymentError, get_gateway
from shop.payments.models import Payment, Refund

logger = logging.getLogger(__name__)

REFUNDABLE = (
    Order.Status.PAID,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.COMPLETED,
)


class RefundError(Exception):
    pass


def _remaining_quantity(line: OrderLine) -> int:
    return line.quantity - line.refunded_quantity


def request_refund(
    *, order_id: int, actor: Actor, reason: str, line_id: int | None = None, quantity: int = 0
) -> Refund:
    """Write a pending refund of the whole order (``line_id`` None) or of
    ``quantity`` units of one line. The last units of a line refund exactly
    what is left of it, so nothing drifts by a fen."""
    require_refunder(actor)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in REFUNDABLE:
            raise RefundError(_("该订单当前状态不能退款。"))
        if order.refunds.filter(status=Refund.Status.PENDING).exists():
            raise RefundError(_("该订单有一笔退款正在处理，请稍后再试。"))
        # The payment that bought the goods; surplus money is refunded on its own.
        payment = order.payments.filter(status=Payment.Status.SUCCEEDED, surplus=False).first()
        if payment is None:
            raise RefundError(_("找不到该订单的成功付款记录。"))
        line = None
        if line_id is None:
            amount = order.total_fen - order.refunded_fen
            quantity = 0
        else:
            line = order.lines.filter(pk=line_id).first()
            if line is None:
                raise RefundError(_("该订单中没有这一行商品。"))
            remaining = _remaining_quantity(line)
            if not 1 <= quantity <= remaining:
                raise RefundError(
                    _("退款数量应在 1 到 %(remaining)s 之间。") % {"remaining": remaining}
                )
            # Capped by what is left: money an after-sales decision gave back
            # while the goods were kept is not refunded twice.
            left = line.total_fen - line.refunded_fen
            amount = left if quantity == remaining else min(line.unit_price_fen * quantity, left)
            quantity = _units_with_the_last_money(line, quantity=quantity, amount_fen=amount)
        if amount <= 0:
            raise RefundError(_("没有可退的金额。"))
        refund = Refund.objects.create(
            order=order,
            payment=payment,
            line=line,
            quantity=quantity,
            amount_fen=amount,
            reason=reason[:255],
            created_by=acting_user(actor),
            idempotency_key=f"refund-{order.number}-{uuid.uuid4().hex}",
        )
        OrderEvent.objects.create(
            order=order, kind="refund_requested", actor=acting_user(actor), note=reason[:255]
        )
        return refund


def request_aftersales_refund(
    *,
    aftersales_id: int,
    order_id: int,
    line_id: int,
    quantity: int,
    amount_fen: int,
    reason: str,
    actor: Actor,
) -> Refund:
    """Write the pending refund an after-sales decision owes: ``amount_fen`` of
    one line, with ``quantity`` units coming back (0 when the buyer keeps the
    goods and only money is given back: partial compensation).

    Authorised by the decision, not by the refund permission: a buyer, a
    producer's member or the system (a producer who did not answer in time)
    makes it. So the only caller is ``shop.aftersales.actions``, which checked
    who may decide and what, under the request's and the order's locks, and
    calls this in the same transaction. The key is the request's: one request
    can never produce two refunds (the unique key refuses a second), and the
    amount can never exceed what is left of the line."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in REFUNDABLE:
            raise RefundError(_("该订单当前状态不能退款。"))
        if order.refunds.filter(status=Refund.Status.PENDING).exists():
            raise RefundError(_("该订单有一笔退款正在处理，请稍后再试。"))
        payment = order.payments.filter(status=Payment.Status.SUCCEEDED, surplus=False).first()
        if payment is None:
            raise RefundError(_("找不到该订单的成功付款记录。"))
        line = order.lines.filter(pk=line_id).first()
        if line is None:
            raise RefundError(_("该订单中没有这一行商品。"))
        remaining = _remaining_quantity(line)
        if not 0 <= quantity <= remaining:
            raise RefundError(
                _("退款数量应在 0 到 %(remaining)s 之间。") % {"remaining": remaining}
            )
        left = line.total_fen - line.refunded_fen
        if not 1 <= amount_fen <= left:
            raise RefundError(
                _("退款金额应在 ¥0.01 到 %(left)s 之间。") % {"left": format_yuan(left)}
            )
        quantity = _units_with_the_last_money(line, quantity=quantity, amount_fen=amount_fen)
        key = f"aftersales-{aftersales_id}"
        if Refund.objects.filter(idempotency_key=key).exists():
            raise RefundError(_("这个售后申请已经退过款。"))
        refund = Refund.objects.create(
            order=order,
            payment=payment,
            line=line,
            quantity=quantity,
            amount_fen=amount_fen,
            reason=reason[:255],
            created_by=acting_user(actor),
            idempotency_key=key,
        )
        OrderEvent.objects.create(
            order=order, kind="refund_requested", actor=acting_user(actor), note=reason[:255]
        )
        return refund


def _units_with_the_last_money(line: OrderLine, *, quantity: int, amount_fen: int) -> int:
    """A refund of all the money left of a line takes its remaining units with
    it: no unit is ever left without money (a later whole-order refund would
    find units to give back and nothing to pay for them)."""
    if amount_fen == line.total_fen - line.refunded_fen:
        return _remaining_quantity(line)
    return quantity


def request_surplus_refund(
    *, payment_id: int, actor: Actor, reason: str, amount_fen: int | None = None
) -> Refund:
    """Write a pending refund of money that did not buy the order's goods (a
    surplus payment: paid twice, paid after the order was cancelled, the wrong
    amount): all that is left of it (``amount_fen`` None) or part. Whatever the
    order's status; it touches no line, no stock and no aid, which that money
    never paid for."""
    require_refunder(actor)
    with transaction.atomic():
        order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
        order = Order.objects.select_for_update().get(pk=order_id)
        payment = Payment.objects.get(pk=payment_id)
        if payment.status != Payment.Status.SUCCEEDED or not payment.surplus:
            raise RefundError(_("只有多收的款项可以单独退还；货款请按整单或商品退款。"))
        if order.refunds.filter(status=Refund.Status.PENDING).exists():
            raise RefundError(_("该订单有一笔退款正在处理，请稍后再试。"))
        returned = (
            payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(total=Sum("amount_fen"))[
                "total"
            ]
            or 0
        )
        remaining = payment.amount_fen - returned
        amount = remaining if amount_fen is None else amount_fen
        if remaining <= 0:
            raise RefundError(_("这笔款项已全部退还。"))
        if not 1 <= amount <= remaining:
            raise RefundError(
                _("退款金额应在 ¥0.01 到 %(remaining)s 之间。")
                % {"remaining": format_yuan(remaining)}
            )
        refund = Refund.objects.create(
            order=order,
            payment=payment,
            amount_fen=amount,
            reason=reason[:255],
            created_by=acting_user(actor),
            idempotency_key=f"refund-{order.number}-{uuid.uuid4().hex}",
        )
        OrderEvent.objects.create(
            order=order,
            kind="surplus_refund_requested",
            actor=acting_user(actor),
            note=reason[:255],
        )
        return refund


def execute_pending_refunds(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Send again the refunds still pending (the provider did not answer, the
    process died before applying): the same key and reference, so the provider
    refunds once. Returns how many were settled either way."""
    settled = 0
    due = Refund.objects.filter(
        status=Refund.Status.PENDING, created_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)
    for refund_id in due:
        try:
            refund = execute_refund(refund_id=refund_id)
        except PaymentError as error:
            logger.warning("refund %s still unanswered: %s", refund_id, error)
            continue
        settled += refund.status != Refund.Status.PENDING
    return settled


def execute_refund(*, refund_id: int) -> Refund:
    """Send a pending refund to its gateway and apply the outcome. Idempotent.
    Raises PaymentError when the provider's answer is unknown: the refund stays
    pending and ``execute_pending_refunds`` asks again."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    outcome = get_gateway(refund.payment.gateway).refund(refund=refund)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != Refund.Status.PENDING:
            return refund
        if not outcome.succeeded:
            refund.status = Refund.Status.FAILED
            refund.save(update_fields=["status"])
            OrderEvent.objects.create(order=order, kind="refund_failed", note=outcome.message[:255])
            return refund
        refund.status = Refund.Status.SUCCEEDED
        refund.external_id = outcome.external_id
        refund.save(update_fields=["status", "external_id"])
        _apply(order, refund)
    return refund


def _apply(order: Order, refund: Refund) -> None:
    if refund.payment.surplus:
        OrderEvent.objects.create(
            order=order,
            kind="surplus_refund_succeeded",
            note=f"{refund.amount_fen}",
            actor=refund.created_by,
        )
        notifications.surplus_refunded(order, refund_id=refund.pk, amount_fen=refund.amount_fen)
        return
    if refund.line_id is None:
        parts = [
            (line, _remaining_quantity(line), line.total_fen - line.refunded_fen)
            for line in order.lines.select_for_update()
            if _remaining_quantity(line) > 0
        ]
    else:
        line = OrderLine.objects.select_for_update().get(pk=refund.line_id)
        parts = [(line, refund.quantity, refund.amount_fen)]
    for line, quantity, amount in parts:
        line.refunded_quantity += quantity
        line.refunded_fen += amount
        line.save(update_fields=["refunded_quantity", "refunded_fen"])
        # Money alone (after-sales compensation, goods kept) counts no unit back.
        if quantity:
            inventory.count_refunded(variant_id=line.variant_id, quantity=quantity)
            # Goods that left come back to stock only when they do: after-sales
            # releases them when the producer confirms a returned parcel.
            if line.shipment.status == Shipment.Status.PENDING:
                inventory.release(variant_id=line.variant_id, quantity=quantity)
        events.line_refunded.send(
            sender=OrderLine, refund=refund, line=line, quantity=quantity, amount_fen=amount
        )
    order.refunded_fen += refund.amount_fen
    update = ["refunded_fen"]
    if not any(_remaining_quantity(line) for line in order.lines.all()):
        before = order.status
        order.refund_fully()
        update.append("status")
        OrderEvent.objects.create(
            order=order, kind="refunded", from_status=before, to_status=order.status
        )
    order.save(update_fields=update)
    OrderEvent.objects.create(
        order=order, kind="refund_succeeded", note=f"{refund.amount_fen}", actor=refund.created_by
    )
    notifications.order_refunded(order, refund_id=refund.pk, amount_fen=refund.amount_fen)
