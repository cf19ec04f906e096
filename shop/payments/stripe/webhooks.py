"""Stripe's webhook: the only way a Stripe payment is recorded as paid or failed.

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
"""

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop.orders.models import Order
from shop.payments import services
from shop.payments.models import Payment, WebhookEvent

if TYPE_CHECKING:
    from shop.payments.stripe.gateway import StripeEvent


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


@csrf_exempt  # Stripe cannot send a CSRF token; the signature authenticates instead.
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    # Imported here so that stripe is loaded only where Stripe is used (as in get_gateway).
    from shop.payments.stripe.gateway import StripeGateway, WebhookError

    try:
        event = StripeGateway().parse_webhook(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except WebhookError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    try:
        outcome = handle_event(event)
    except services.PaymentNotConfirmed:
        return HttpResponse(
            "payment not confirmed yet: send again later", status=409, content_type="text/plain"
        )
    return HttpResponse(outcome, content_type="text/plain")


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
            # We recorded it as refunded when Stripe accepted it: a person must
            # now pay the buyer back another way.
            logger.error("Stripe refund %s failed after acceptance", refund.get("id"))
            return f"refund failed at Stripe: {refund.get('failure_reason') or ''}; needs a person"
        return "ignored: refunds are applied by the refund flow"
    return "ignored"


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
