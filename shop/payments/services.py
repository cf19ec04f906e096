"""Recording payments and their outcomes. Every way money arrives (the dummy
page, a Stripe webhook, staff recording a bank transfer) ends here, and the
order is marked paid through ``shop.orders.lifecycle``."""

import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.roles import Actor, acting_user
from shop.orders import lifecycle, notifications
from shop.orders.models import Order
from shop.orders.ownership import require_offline_cashier
from shop.payments.gateway import (
    GatewayPayment,
    Payer,
    PaymentError,
    PaymentStart,
    enabled_gateways,
    get_gateway,
)
from shop.payments.models import Payment, Refund


class PaymentNotConfirmed(Exception):
    """News about a payment whose success we have not recorded yet: ask again later."""


def start_payment(
    *, order: Order, gateway: str = "", method: str = "", payer: Payer | None = None
) -> tuple[Payment, PaymentStart]:
    """Open (or continue) a payment of an order awaiting payment through
    ``gateway`` (the order's own when not given) and ask the gateway how the
    buyer proceeds. The provider is called after the order's lock is released."""
    payment = _open_payment(order_id=order.pk, gateway_name=gateway, method=method)
    try:
        return payment, get_gateway(payment.gateway).start(payment=payment, payer=payer or Payer())
    except PaymentError as error:
        # The provider refused or did not answer: the next click starts afresh
        # under a new reference (providers repeat a refusal for the same key).
        payment_failed(payment_id=payment.pk, message=str(error))
        raise


@transaction.atomic
def _open_payment(*, order_id: int, gateway_name: str, method: str) -> Payment:
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != Order.Status.AWAITING_PAYMENT:
        raise PaymentError(_("该订单无需付款。"))
    gateway_name = gateway_name or order.gateway
    offered = ["offline"] if order.channel == Order.Channel.OFFLINE else enabled_gateways()
    if gateway_name not in offered:
        raise PaymentError(_("不支持该支付方式。"))
    gateway = get_gateway(gateway_name)
    if method and method not in gateway.methods:
        raise PaymentError(_("不支持该支付方式。"))
    method = method or gateway.methods[0]
    # Ten clicks on 去付款 continue one payment: the provider sees one order
    # (the same merchant reference and idempotency key), not ten.
    payment = (
        order.payments.filter(gateway=gateway.name, method=method, status=Payment.Status.PENDING)
        .order_by("-pk")
        .first()
    )
    if payment is None:
        payment = Payment.objects.create(
            order=order,
            gateway=gateway.name,
            method=method,
            amount_fen=order.total_fen,
            idempotency_key=f"pay-{order.number}-{uuid.uuid4().hex}",
        )
    if order.gateway != gateway.name:
        order.gateway = gateway.name
        order.save(update_fields=["gateway"])
    return payment


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
    Idempotent: a second confirmation changes nothing. Decided under the
    order's lock, so of two payments succeeding at the same moment exactly one
    pays the order; money that does not (a second payment, one for a cancelled
    order, the wrong amount) is marked ``surplus`` and the order flagged, for
    staff to refund."""
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
    order = Order.objects.select_for_update().get(pk=order_id)  # always the order first
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status == Payment.Status.SUCCEEDED:
        return payment
    # A provider's clock a little ahead of ours: the money is here now, and
    # no payment is dated in the future. Refusing would lose the news.
    paid_at = min(paid_at, timezone.now()) if paid_at is not None else None
    paid_before = order.payments.filter(status=Payment.Status.SUCCEEDED).exists()
    status_before = order.status
    order = lifecycle.mark_paid(
        order_id=order.pk,
        amount_fen=amount_fen,
        currency=currency,
        paid_at=paid_at,
        duplicate=paid_before,
    )
    payment.status = Payment.Status.SUCCEEDED
    payment.amount_fen = amount_fen
    payment.currency = currency.lower()
    payment.paid_at = paid_at or timezone.now()
    paid_the_order = status_before != order.status and order.status == Order.Status.PAID
    payment.surplus = not paid_the_order
    if external_id:
        payment.external_id = external_id
    payment.save()
    if payment.surplus:
        notifications.payment_not_honoured(
            order, payment_id=payment.pk, amount_fen=payment.amount_fen
        )
    return payment


def sync_payment(*, payment: Payment) -> Payment:
    """Ask the provider how a payment stands (查单: the buyer is back, or the
    order is about to expire) and record what it says. Raises PaymentError when
    the provider cannot be reached."""
    state = get_gateway(payment.gateway).query(payment=payment)
    return record_gateway_state(payment_id=payment.pk, state=state)


def record_gateway_state(*, payment_id: int, state: GatewayPayment) -> Payment:
    """Record what a provider said of a payment (a query's or a close's answer)."""
    if state.status == "succeeded":
        return payment_succeeded(
            payment_id=payment_id,
            amount_fen=state.amount_fen or 0,
            currency=state.currency,
            external_id=state.external_id,
            paid_at=state.paid_at,
        )
    if state.status in ("failed", "closed"):
        return payment_failed(payment_id=payment_id, message=state.message or state.status)
    return Payment.objects.get(pk=payment_id)


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
def refund_failed_at_gateway(*, refund_id: int, message: str) -> Refund:
    """A refund the provider had accepted failed afterwards (Stripe's
    ``refund.failed``, WeChat Pay's ABNORMAL or CLOSED): the books already count
    the money as returned, but the buyer has not got it. A person must pay them
    back another way; the order is flagged and the refund marked, once."""
    refund = Refund.objects.select_related("order").get(pk=refund_id)
    order = Order.objects.select_for_update().get(pk=refund.order_id)
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.failed_at_gateway:
        return refund
    refund.failed_at_gateway = True
    refund.save(update_fields=["failed_at_gateway"])
    lifecycle.flag_for_review(
        order_id=order.pk,
        reason=_("退款 %(amount)s 分在支付平台失败（%(message)s），需要另行退还买家。")
        % {"amount": refund.amount_fen, "message": message[:120]},
    )
    return refund


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
    actor: Actor,
    received_at: datetime | None = None,
) -> Payment:
    """Staff record a bank transfer or cash for an offline order (received at
    ``received_at``, which may be days before it is recorded; never after now).
    The order keeps that date; the aid ledger books it in the first open month
    if that month is closed already."""
    require_offline_cashier(actor)
    if method not in ("bank_transfer", "cash"):
        raise PaymentError(_("线下付款方式只能是银行转账或现金。"))
    if amount_fen <= 0:
        raise PaymentError(_("金额必须大于零。"))
    now = timezone.now()
    if received_at is not None and received_at > now:
        raise PaymentError(_("到账时间不能晚于现在。"))
    received_at = received_at or now
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
        recorded_by=acting_user(actor),
        paid_at=received_at,
    )
    lifecycle.mark_paid(
        order_id=order.pk, amount_fen=amount_fen, actor=acting_user(actor), paid_at=received_at
    )
    return payment
