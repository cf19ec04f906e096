"""WeChat Pay's notifications: payments (支付通知) and refunds (退款通知).

WeChat Pay delivers each notification until it is answered 200/204, and in no
particular order. As for Stripe (``shop.payments.stripe.webhooks``), the
notification's id is written under a unique constraint in the same transaction
as its effect, so each takes effect once; and a second notification of the
same transaction changes nothing, because ``payment_succeeded`` is idempotent.
A signature that does not verify gets a 4xx with WeChat Pay's
``{"code": "FAIL", ...}`` body, and nothing is written.

Out of order: a payment notification after we closed the payment (the buyer
paid at the last moment) still records the money (``mark_paid`` decides what it
buys); a refund notification for a refund made outside the shop ahead of the
payment's success is answered 409, so WeChat Pay sends it again later.
"""

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop.orders.models import Order
from shop.payments import services
from shop.payments.models import Payment, Refund, WebhookEvent

if TYPE_CHECKING:
    from shop.payments.wechatpay.gateway import Notification

logger = logging.getLogger(__name__)


def _fail(message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": "FAIL", "message": message}, status=status)


@csrf_exempt  # WeChat Pay cannot send a CSRF token; the signature authenticates instead.
@require_POST
def wechatpay_notify(request: HttpRequest) -> HttpResponse:
    """Both notification addresses (payments' and refunds') land here: the
    verified event_type says what a notification is about."""
    # Imported here so that wechatpayv3 is loaded only where WeChat Pay is used.
    from shop.payments.wechatpay.gateway import NotificationError, WeChatPayGateway

    try:
        notification = WeChatPayGateway().parse_notification(
            headers=request.headers, body=request.body
        )
    except NotificationError as error:
        return _fail(str(error), error.status)
    try:
        handle_notification(notification)
    except services.PaymentNotConfirmed:
        return _fail("payment not confirmed yet: send again later", 409)
    return HttpResponse(status=204)


def handle_notification(notification: "Notification") -> str:
    """Apply a verified notification once; returns the outcome recorded with it."""
    with transaction.atomic():
        try:
            # A savepoint of its own: the replay's IntegrityError must not break
            # the outer transaction (PostgreSQL aborts it otherwise).
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    gateway="wechatpay",
                    event_id=notification.id[:128],
                    event_type=notification.event_type[:64],
                )
        except IntegrityError:
            return "already processed"
        if notification.event_type.startswith("TRANSACTION."):
            outcome = _payment(notification.resource)
        elif notification.event_type.startswith("REFUND."):
            outcome = _refund(notification.event_type, notification.resource)
        else:
            outcome = "ignored"
        record.outcome = outcome[:255]
        record.save(update_fields=["outcome"])
    return record.outcome


def _ours(resource: dict[str, Any]) -> bool:
    return resource.get("mchid") == settings.WECHATPAY_MCHID


def _by_reference(model, reference: Any, separator: str):
    """Our Payment (``<order number>P<pk>``) or Refund (``…R<pk>``) by its
    merchant reference, through a WeChat Pay payment."""
    number, _sep, pk = str(reference or "").rpartition(separator)
    if not number or not pk.isdigit():
        return None
    gateway_field = "gateway" if model is Payment else "payment__gateway"
    return model.objects.filter(
        pk=int(pk), order__number=number, **{gateway_field: "wechatpay"}
    ).first()


def _payment(resource: dict[str, Any]) -> str:
    from shop.payments.wechatpay.gateway import transaction_state

    reference = resource.get("out_trade_no")
    payment = _by_reference(Payment, reference, "P") if _ours(resource) else None
    if payment is None:
        # Answered success all the same: WeChat Pay would retry for a day, to no avail.
        logger.warning("WeChat Pay notification for %r: no payment of ours", reference)
        return "unknown payment"
    try:
        state = transaction_state(resource)
    except ValueError:
        logger.error("WeChat Pay notification for %s without amount or id", reference)
        return "malformed transaction"
    payment = services.record_gateway_state(payment_id=payment.pk, state=state)
    if state.status != "succeeded":
        return f"trade state {resource.get('trade_state')}: payment {payment.status}"
    order = Order.objects.only("status", "needs_review").get(pk=payment.order_id)
    review = ", needs review" if order.needs_review else ""
    return f"payment succeeded; order {order.status}{review}"


def _refund(event_type: str, resource: dict[str, Any]) -> str:
    reference = resource.get("out_refund_no")
    status = str(resource.get("refund_status") or event_type.removeprefix("REFUND."))
    refund = _by_reference(Refund, reference, "R") if _ours(resource) else None
    if refund is not None:
        if status == "SUCCESS":
            return "refund succeeded"
        # Accepted, then failed (the buyer's card closed, ...): the books count the
        # money as returned, but the buyer has not got it.
        logger.error("WeChat Pay refund %s %s after acceptance", reference, status)
        services.refund_failed_at_gateway(refund_id=refund.pk, message=f"WeChat Pay {status}")
        return f"refund {status}; needs a person"
    payment = _by_reference(Payment, resource.get("out_trade_no"), "P") if _ours(resource) else None
    if payment is None:
        logger.warning("WeChat Pay refund notification for %r: not ours", reference)
        return "unknown refund"
    amount = resource.get("amount")
    refunded = amount.get("refund") if isinstance(amount, dict) else None
    if status != "SUCCESS" or not isinstance(refunded, int):
        return f"refund {status} not made by the shop: ignored"
    # A refund made at the merchant platform, outside the shop: on top of ours.
    ours = (
        payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(total=Sum("amount_fen"))[
            "total"
        ]
        or 0
    )
    return services.refund_reported(payment_id=payment.pk, refunded_fen=ours + refunded)
