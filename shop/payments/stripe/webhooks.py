"""Stripe's webhook: how Stripe tells us a payment is paid or failed (the only
other way is our asking, 查单, when the buyer comes back), a refund failed or a
payment is disputed.

Stripe delivers each event at least once and in no particular order. The event's
id is written under a unique constraint in the same transaction as its effect,
so the effect happens at most once: a replay finds the row and does nothing, and
if applying the effect fails, the row is rolled back with it and Stripe's retry
is processed afresh. Together: each event takes effect exactly once.

Out-of-order events are safe because the services are: ``payment_failed`` only
touches a pending payment (a late failure after a success changes nothing), and
``mark_paid`` flags a payment for a cancelled order, or of the wrong amount or
currency, for review instead of paying the order. The one event that cannot be
applied before another is ``charge.refunded`` ahead of the payment's success:
it is answered 409 and not recorded, so Stripe sends it again (with backoff, for
days), by when the success has been applied.

A dispute (chargeback) flags the order for a person, with its amount and reason,
and so does its end; no refund is made and the ledger is not touched until a
person decides. A refund that fails after Stripe accepted it flags the order too
(``services.refund_failed_at_gateway``).
"""

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop.orders import lifecycle
from shop.orders.models import Order
from shop.payments import services
from shop.payments.gateway import PaymentError
from shop.payments.models import Payment, Refund, WebhookEvent

if TYPE_CHECKING:
    from shop.payments.stripe.gateway import StripeEvent, StripeGateway


logger = logging.getLogger(__name__)

# Refunds are applied by our own refund flow when Stripe answers the API call;
# their events only matter when a refund Stripe had accepted fails later.
REFUND_EVENTS = (
    "charge.refunded",
    "charge.refund.updated",  # refund.* before API version 2024-10-28
    "refund.created",
    "refund.updated",
    "refund.failed",
)

DISPUTE_EVENTS = ("charge.dispute.created", "charge.dispute.closed")

# Stripe's dispute reasons and outcomes, for the staff who read the flag; a code
# not listed here is shown as it is.
DISPUTE_REASONS = {
    "fraudulent": gettext_lazy("买家称未授权此付款"),
    "product_not_received": gettext_lazy("买家称未收到商品"),
    "product_unacceptable": gettext_lazy("买家称商品有问题或与描述不符"),
    "duplicate": gettext_lazy("买家称重复扣款"),
    "credit_not_processed": gettext_lazy("买家称应退款未退"),
    "unrecognized": gettext_lazy("买家不认得这笔付款"),
    "general": gettext_lazy("其他原因"),
}
DISPUTE_OUTCOMES = {
    "won": gettext_lazy("本店胜诉，款项保留"),
    "lost": gettext_lazy("买家胜诉，款项已被扣回"),
    "warning_closed": gettext_lazy("预警已关闭，未转为正式争议"),
}


@csrf_exempt  # Stripe cannot send a CSRF token; the signature authenticates instead.
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    # Imported here so that stripe is loaded only where Stripe is used (as in get_gateway).
    from shop.payments.stripe.gateway import StripeGateway, WebhookError

    gateway = StripeGateway()
    try:
        event = gateway.parse_webhook(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except WebhookError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    try:
        event = _naming_the_intent(event, gateway)
    except PaymentError:
        return HttpResponse(
            "could not ask Stripe: send again later", status=503, content_type="text/plain"
        )
    try:
        outcome = handle_event(event)
    except services.PaymentNotConfirmed:
        return HttpResponse(
            "payment not confirmed yet: send again later", status=409, content_type="text/plain"
        )
    return HttpResponse(outcome, content_type="text/plain")


def _naming_the_intent(event: "StripeEvent", gateway: "StripeGateway") -> "StripeEvent":
    """A dispute names its charge, and its PaymentIntent in the API versions that
    have the field; otherwise Stripe is asked which intent the charge belongs to,
    here, before the event's transaction opens (no provider call inside one)."""
    dispute = event.object
    if event.type not in DISPUTE_EVENTS or "payment_intent" in dispute:
        return event
    charge = dispute.get("charge")
    if not isinstance(charge, str) or not charge:
        return event
    intent = gateway.charge_payment_intent(charge_id=charge)
    return replace(event, object={**dispute, "payment_intent": intent})


def handle_event(event: "StripeEvent") -> str:
    """Apply a verified event once; returns the outcome recorded with it."""
    with transaction.atomic():
        try:
            # A savepoint of its own: the replay's IntegrityError must not break
            # the outer transaction (PostgreSQL aborts it otherwise).
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    gateway="stripe", event_id=event.id, event_type=event.type[:64]
                )
        except IntegrityError:
            return "already processed"
        record.outcome = _apply(event)[:255]
        record.save(update_fields=["outcome"])
    return record.outcome


def _apply(event: "StripeEvent") -> str:
    if event.type in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        intent = event.object
        payment = _find_payment(intent)
        if payment is None:
            # Answered 200 all the same: Stripe would retry for days, to no avail.
            logger.warning("Stripe %s %s: no payment of ours", event.type, intent.get("id"))
            return "unknown payment"
        if event.type == "payment_intent.succeeded":
            return _succeeded(event, intent, payment)
        error = intent.get("last_payment_error")
        # Of any other shape, the event still fails the payment, without a message.
        message = error.get("message") if isinstance(error, dict) else ""
        services.payment_failed(payment_id=payment.pk, message=str(message or ""))
        return "payment failed"
    if event.type == "charge.refunded" and event.object.get("object") == "charge":
        return _charge_refunded(event.object)
    if event.type in REFUND_EVENTS:
        refund = event.object
        if refund.get("object") == "refund" and refund.get("status") == "failed":
            return _refund_failed(refund)
        return "ignored: refunds are applied by the refund flow"
    if event.type in DISPUTE_EVENTS and event.object.get("object") == "dispute":
        return _disputed(event)
    return "ignored"


def _refund_failed(data: dict[str, Any]) -> str:
    """We recorded the refund as made when Stripe accepted it: a person must now
    pay the buyer back another way."""
    refund_id, reason = data.get("id"), str(data.get("failure_reason") or "")
    refund = (
        Refund.objects.filter(payment__gateway="stripe", external_id=refund_id).first()
        if isinstance(refund_id, str) and refund_id
        else None
    )
    if refund is None:
        # Made in Stripe's Dashboard, or not by this shop: nothing of ours to flag.
        logger.warning("Stripe refund %s failed (%s): no refund of ours", refund_id, reason)
        return f"refund failed at Stripe: {reason}; unknown refund"
    if refund.failed_at_gateway:  # told before, by another of the refund's events
        return f"refund failed at Stripe: {reason}; already recorded"
    services.refund_failed_at_gateway(refund_id=refund.pk, message=reason)
    return f"refund failed at Stripe: {reason}; order flagged for review"


def _disputed(event: "StripeEvent") -> str:
    """A buyer disputed a payment with their bank (拒付), or the dispute ended.
    Stripe takes the money back while it lasts; whether to fight it, refund or
    write it off is a person's decision, so the order is only flagged."""
    dispute = event.object
    intent = dispute.get("payment_intent")
    payment = (
        Payment.objects.filter(gateway="stripe", external_id=intent).first()
        if isinstance(intent, str) and intent
        else None
    )
    if payment is None:
        logger.warning("Stripe %s %s: no payment of ours", event.type, dispute.get("id"))
        return "unknown payment"
    reason, status = str(dispute.get("reason") or ""), str(dispute.get("status") or "")
    values = {
        "amount": dispute.get("amount"),
        "reason": DISPUTE_REASONS.get(reason, reason),
        "outcome": DISPUTE_OUTCOMES.get(status, status),
    }
    if event.type == "charge.dispute.created":
        note = (
            _(
                "买家向银行提出拒付（争议）%(amount)s 分：%(reason)s。"
                "请在 Stripe 应诉，结果出来前不要退款。"
            )
            % values
        )
    else:
        note = (
            _("拒付（争议）%(amount)s 分已结束：%(outcome)s。请核对账目后决定如何处理。") % values
        )
    lifecycle.flag_for_review(order_id=payment.order_id, reason=note)
    return f"dispute {status} ({reason}); order flagged for review"


def _charge_refunded(charge: dict[str, Any]) -> str:
    intent_id, refunded = charge.get("payment_intent"), charge.get("amount_refunded")
    payment = (
        Payment.objects.filter(gateway="stripe", external_id=intent_id).first()
        if isinstance(intent_id, str) and intent_id
        else None
    )
    if payment is None or not isinstance(refunded, int):
        return "ignored: refunds are applied by the refund flow"
    return services.refund_reported(payment_id=payment.pk, refunded_fen=refunded)


def _succeeded(event: "StripeEvent", intent: dict[str, Any], payment: Payment) -> str:
    # amount_received is what was actually taken; a fake Stripe may only send amount.
    amount = intent["amount_received"] if "amount_received" in intent else intent["amount"]
    payment = services.payment_succeeded(
        payment_id=payment.pk,
        amount_fen=amount,
        currency=intent.get("currency") or "",
        external_id=intent["id"],
        # When it happened at Stripe, not when the (possibly retried) event arrived.
        paid_at=datetime.fromtimestamp(event.created, tz=UTC),
    )
    order = Order.objects.only("status", "needs_review").get(pk=payment.order_id)
    review = ", needs review" if order.needs_review else ""
    return f"payment succeeded; order {order.status}{review}"


def _find_payment(intent: dict[str, Any]) -> Payment | None:
    """Our payment for a PaymentIntent: by its id, else by the metadata we sent,
    which must name the same order and a payment not linked to another intent."""
    intent_id = intent.get("id")
    if not isinstance(intent_id, str) or not intent_id:
        return None
    payment = Payment.objects.filter(gateway="stripe", external_id=intent_id).first()
    if payment is not None:
        return payment
    metadata = intent.get("metadata")
    if not isinstance(metadata, dict):  # absent, or not the object we sent
        return None
    payment_id = str(metadata.get("payment_id") or "")
    if not payment_id.isdigit():
        return None
    return Payment.objects.filter(
        pk=int(payment_id),
        gateway="stripe",
        external_id__isnull=True,
        order__number=metadata.get("order_number") or "",
    ).first()
