"""Recording payments and their outcomes. Every way money arrives (the dummy
page, a Stripe webhook, staff recording a bank transfer) ends here, and the
order is marked paid through ``shop.orders.lifecycle``."""

import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from shop.orders import lifecycle
from shop.orders.models import Order
from shop.payments.gateway import PaymentError, PaymentStart, get_gateway
from shop.payments.models import Payment, Refund


class PaymentNotConfirmed(Exception):
    """News about a payment whose success we have not recorded yet: ask again later."""


@transaction.atomic
def start_payment(*, order: Order, method: str = "") -> tuple[Payment, PaymentStart]:
    """Open a payment for an order awaiting payment and ask its gateway how to proceed."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.AWAITING_PAYMENT:
        raise PaymentError(_("该订单无需付款。"))
    gateway = get_gateway(order.gateway)
    if method and method not in gateway.methods:
        raise PaymentError(_("不支持该支付方式。"))
    payment = Payment.objects.create(
        order=order,
        gateway=gateway.name,
        method=method or gateway.methods[0],
        amount_fen=order.total_fen,
        idempotency_key=f"pay-{order.number}-{uuid.uuid4().hex}",
    )
    return payment, gateway.start(payment=payment)


@transaction.atomic
def payment_succeeded(
    *,
    payment_id: int,
    amount_fen: int,
    currency: str = "cny",
    external_id: str | None = None,
    paid_at: datetime | None = None,
) -> Payment:
    """The gateway confirmed the money (at ``paid_at``, when it says so).
    Idempotent: a second confirmation changes nothing; a second payment that
    succeeded for an order already paid flags the order (the buyer paid twice)."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status == Payment.Status.SUCCEEDED:
        return payment
    paid_before = (
        Payment.objects.filter(order_id=payment.order_id, status=Payment.Status.SUCCEEDED)
        .exclude(pk=payment.pk)
        .exists()
    )
    payment.status = Payment.Status.SUCCEEDED
    payment.amount_fen = amount_fen
    payment.currency = currency.lower()
    if external_id:
        payment.external_id = external_id
    payment.save()
    lifecycle.mark_paid(
        order_id=payment.order_id,
        amount_fen=amount_fen,
        currency=currency,
        paid_at=paid_at,
        duplicate=paid_before,
    )
    return payment


@transaction.atomic
def refund_reported(*, payment_id: int, refunded_fen: int) -> str:
    """The gateway says ``refunded_fen`` of the payment has been refunded in all.

    Our own refunds are written (pending) before the gateway is asked
    (``shop.payments.refunds``), so they always cover what it reports. More than ours
    means a refund made at the gateway itself (Stripe's Dashboard): the order,
    its stock and the aid ledger still count that money, so a person must
    look. Raises PaymentNotConfirmed before the payment's success is recorded,
    so that the news is applied after it, not lost."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status != Payment.Status.SUCCEEDED:
        raise PaymentNotConfirmed(payment_id)
    ours = (
        payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(total=Sum("amount_fen"))[
            "total"
        ]
        or 0
    )
    if refunded_fen <= ours:
        return "refund already recorded"
    lifecycle.flag_for_review(
        order_id=payment.order_id,
        reason=_("支付平台显示已退款 %(refunded)s 分，本店只记录了 %(ours)s 分，需要核对。")
        % {"refunded": refunded_fen, "ours": ours},
    )
    return "refund made outside the shop, needs review"


@transaction.atomic
def payment_failed(*, payment_id: int, message: str = "") -> Payment:
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status == Payment.Status.PENDING:
        payment.status = Payment.Status.FAILED
        payment.failure_message = message[:255]
        payment.save(update_fields=["status", "failure_message", "updated_at"])
    return payment


@transaction.atomic
def record_offline_payment(
    *,
    order_id: int,
    amount_fen: int,
    method: str,
    reference: str,
    actor,
    received_at: datetime | None = None,
) -> Payment:
    """Staff record a bank transfer or cash for an offline order (received at
    ``received_at``, which may be days before it is recorded)."""
    if method not in ("bank_transfer", "cash"):
        raise PaymentError(_("线下付款方式只能是银行转账或现金。"))
    if amount_fen <= 0:
        raise PaymentError(_("金额必须大于零。"))
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != Order.Status.AWAITING_PAYMENT:
        raise PaymentError(_("该订单无需付款。"))
    payment = Payment.objects.create(
        order=order,
        gateway="offline",
        method=method,
        amount_fen=amount_fen,
        status=Payment.Status.SUCCEEDED,
        external_id=f"offline-{order.number}-{reference}"[:128] if reference else None,
        idempotency_key=f"offline-{order.number}-{uuid.uuid4().hex}",
        recorded_by=actor,
    )
    lifecycle.mark_paid(order_id=order.pk, amount_fen=amount_fen, actor=actor, paid_at=received_at)
    return payment
