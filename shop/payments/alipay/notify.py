"""Alipay's asynchronous notification (异步通知): how an Alipay payment is recorded as
paid even when the buyer never comes back.

Alipay posts a signed form to our fixed address and sends it again (for about a
day, the same ``notify_id``) until the body of our answer is ``success``. The
``notify_id`` is written under a unique constraint in the same transaction as the
notification's effect, as the Stripe webhook does its event id: a repeat finds the
row and does nothing, and if applying fails, the row goes with it and the repeat is
processed afresh. Each notification takes effect exactly once.

One trade sends several notifications (TRADE_SUCCESS, later TRADE_FINISHED; a
refund's), in any order: ``payment_succeeded`` changes nothing on a payment already
paid (whatever the notification), ``payment_failed`` only touches a pending one,
and money of the wrong amount or for a cancelled order is flagged for review
instead of paying the order.
"""

import logging
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop.orders.models import Order
from shop.payments import services
from shop.payments.models import Payment, WebhookEvent

if TYPE_CHECKING:
    from shop.payments.alipay.gateway import Notification

logger = logging.getLogger(__name__)

PAID = ("TRADE_SUCCESS", "TRADE_FINISHED")


def _answer(body: str, status: int = 200) -> HttpResponse:
    # Alipay reads the body alone: anything but "success" makes it send again.
    return HttpResponse(body, status=status, content_type="text/plain")


@csrf_exempt  # Alipay cannot send a CSRF token; its signature authenticates instead.
@require_POST
def alipay_notify(request: HttpRequest) -> HttpResponse:
    # Imported here so that the SDK is loaded only where Alipay is used (as in get_gateway).
    from shop.payments.alipay.gateway import AlipayGateway, NotificationError

    try:
        notification = AlipayGateway().parse_notification(form=request.POST.dict())
    except NotificationError as error:
        logger.warning("Alipay notification refused: %s", error)
        return _answer("fail", status=400)
    try:
        handle_notification(notification)
    except services.PaymentNotConfirmed:
        return _answer("fail", status=409)  # Alipay sends it again later
    return _answer("success")


def handle_notification(notification: "Notification") -> str:
    """Apply a verified notification once; returns the outcome recorded with it."""
    with transaction.atomic():
        try:
            # A savepoint of its own: the repeat's IntegrityError must not break
            # the outer transaction (PostgreSQL aborts it otherwise).
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    gateway="alipay",
                    event_id=notification.notify_id[:128],
                    event_type=notification.trade_status[:64],
                )
        except IntegrityError:
            return "already processed"
        record.outcome = _apply(notification)[:255]
        record.save(update_fields=["outcome"])
    return record.outcome


def _apply(notification: "Notification") -> str:
    payment = find_payment(notification.out_trade_no)
    if payment is None:
        # Answered success all the same: Alipay would send it for a day, to no avail.
        logger.warning(
            "Alipay %s for %s (trade %s): no payment of ours",
            notification.trade_status,
            notification.out_trade_no,
            notification.trade_no,
        )
        return "unknown payment"
    if notification.trade_status in PAID:
        # A refund's notification still carries the payment: it records it if the
        # payment's own notification has not arrived yet.
        payment = services.payment_succeeded(
            payment_id=payment.pk,
            amount_fen=notification.amount_fen,
            external_id=notification.trade_no,
            paid_at=notification.paid_at,  # when the buyer paid, not when we heard
        )
        refunds = f"; {_refunded(payment, notification)}" if notification.refunded_fen else ""
        order = Order.objects.only("status", "needs_review").get(pk=payment.order_id)
        review = ", needs review" if order.needs_review else ""
        return f"payment succeeded; order {order.status}{review}{refunds}"
    if notification.trade_status == "TRADE_CLOSED":
        if notification.refunded_fen:
            # Closed by refunding all of it: the money had arrived.
            return _refunded(payment, notification)
        services.payment_failed(payment_id=payment.pk, message="TRADE_CLOSED")
        return "payment closed"
    return "ignored"


def _refunded(payment: Payment, notification: "Notification") -> str:
    """Refunds made in the shop are recorded before Alipay is asked; more than those
    means a refund made in Alipay's own console, which flags the order."""
    return services.refund_reported(payment_id=payment.pk, refunded_fen=notification.refunded_fen)


def find_payment(out_trade_no: str) -> Payment | None:
    """Our Alipay payment with this merchant reference (``<order number>P<pk>``)."""
    number, separator, pk = out_trade_no.rpartition("P")
    if not separator or not pk.isdigit():
        return None
    return Payment.objects.filter(pk=int(pk), gateway="alipay", order__number=number).first()
