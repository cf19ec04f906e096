"""The Stripe adapter: the one module that imports ``stripe``.

PaymentIntents in CNY (amounts in fen, which is Stripe's minor unit for CNY) for
card, Alipay and WeChat Pay: starting, querying (查单) and cancelling (关单) them,
refunds, the day's balance transactions (对账单), and webhook verification. Every request
that creates something carries our idempotency key, so a retried request (the
SDK's own retries, or ours after a crash) never charges or refunds twice.

The SDK client is built per call from settings rather than configured once in
module globals, so each call sees the current settings and nothing leaks
between configurations (tests point ``STRIPE_API_BASE`` at a local fake).
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from shop.payments.gateway import (
    Device,
    GatewayPayment,
    Payer,
    PaymentError,
    PaymentStart,
    RefundOutcome,
    StatementLine,
)
from shop.payments.models import Payment, Refund

logger = logging.getLogger(__name__)

# Refund statuses meaning Stripe has taken the refund on. Alipay and WeChat Pay
# refunds often stay "pending" for a while and nearly always complete; a late
# failure arrives as a webhook (see stripe.webhooks) for a person to handle.
REFUND_ACCEPTED = ("succeeded", "pending")

# The SDK refuses signatures more than five minutes old, not ones from the future:
# a signature stamped ahead would stay fresh until long after, so that a captured
# request could be replayed all that time. A few minutes of difference between
# Stripe's clock and ours is normal (NTP), so that much is allowed.
CLOCK_SKEW_SECONDS = 300

# The statement is of a Beijing-time day, as the shop's books are.
STATEMENT_ZONE = ZoneInfo("Asia/Shanghai")
# Balance transactions that are money for a payment or given back: a card's are
# charge and refund, some other methods' payment and payment_refund. Payouts,
# Stripe's own fees and dispute adjustments are not lines of the statement.
STATEMENT_KINDS = {
    "charge": "payment",
    "payment": "payment",
    "refund": "refund",
    "payment_refund": "refund",
}


class WebhookError(Exception):
    """The request is not a genuine, well-formed Stripe event."""


@dataclass(frozen=True)
class StripeEvent:
    """A verified webhook event, as plain data (the SDK's objects are not dicts)."""

    id: str
    type: str
    created: int  # Unix time the event happened at Stripe
    object: dict[str, Any]  # data.object: the PaymentIntent, Refund, … it is about


@dataclass(frozen=True)
class PaymentPage:
    """What the buyer's payment page needs, read fresh from Stripe."""

    status: str
    state: GatewayPayment  # what the status means for our payment
    client_secret: str = ""  # for Stripe.js to confirm a card payment
    redirect_url: str = ""  # Alipay's authorisation page
    qr_image_url: str = ""  # WeChat Pay's QR code, as a data: URL


# Starting a payment holds the order's row lock (services.start_payment), so a
# slow Stripe must not hold it for the SDK's default 80 s. Retrying is safe:
# every creating request carries an idempotency key.
REQUEST_TIMEOUT_SECONDS = 15

NETWORK_RETRIES = 2


def _client() -> stripe.StripeClient:
    base = settings.STRIPE_API_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base} if base else None,
        http_client=stripe.new_default_http_client(timeout=REQUEST_TIMEOUT_SECONDS),
        max_network_retries=NETWORK_RETRIES,
    )


def _return_url(payment: Payment) -> str:
    """Absolute address Stripe sends the buyer back to after Alipay."""
    path = reverse("stripe_return", args=[payment.pk])
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def _confirm_params(payment: Payment) -> dict[str, Any]:
    """Alipay and WeChat Pay are confirmed here on the server, which gives the
    buyer's next step at once; a card is confirmed in the browser by Stripe.js,
    so card details never pass through our server (PCI)."""
    if payment.method == "alipay":
        return {
            "confirm": True,
            "payment_method_data": {"type": "alipay"},
            "return_url": _return_url(payment),
        }
    if payment.method == "wechat_pay":
        return {
            "confirm": True,
            "payment_method_data": {"type": "wechat_pay"},
            # "web": Stripe returns a QR code for the buyer to scan with WeChat.
            "payment_method_options": {"wechat_pay": {"client": "web"}},
        }
    return {}


def _page(intent: stripe.PaymentIntent) -> PaymentPage:
    data = intent.to_dict()
    action = data.get("next_action") or {}
    kind = action.get("type")
    redirect_url = qr_image_url = ""
    if kind == "alipay_handle_redirect":
        redirect_url = action["alipay_handle_redirect"].get("url") or ""
    elif kind == "redirect_to_url":
        redirect_url = action["redirect_to_url"].get("url") or ""
    elif kind == "wechat_pay_display_qr_code":
        qr_image_url = action["wechat_pay_display_qr_code"].get("image_data_url") or ""
    return PaymentPage(
        status=data.get("status") or "",
        client_secret=data.get("client_secret") or "",
        redirect_url=redirect_url,
        qr_image_url=qr_image_url,
        state=_state(data),
    )


def _state(intent: dict[str, Any]) -> GatewayPayment:
    """What a PaymentIntent says of our payment."""
    status = intent.get("status")
    if status == "succeeded":
        charge = intent.get("latest_charge")
        return GatewayPayment(
            status="succeeded",
            amount_fen=intent["amount_received"],
            currency=intent["currency"],
            external_id=intent["id"],
            # When the money was taken (the charge), when the charge is expanded.
            paid_at=datetime.fromtimestamp(charge["created"], tz=UTC)
            if isinstance(charge, dict)
            else None,
        )
    if status == "canceled":
        return GatewayPayment(
            status="closed", external_id=intent["id"], message="canceled at Stripe"
        )
    error = intent.get("last_payment_error")
    if status == "requires_payment_method" and isinstance(error, dict):
        # An attempt failed; the buyer may still try again on the same intent, and
        # a later success is recorded all the same (services.payment_succeeded).
        return GatewayPayment(
            status="failed", external_id=intent["id"], message=error.get("message") or ""
        )
    return GatewayPayment(status="pending", external_id=intent["id"])


def _signed_at(header: str) -> int:
    """The signature's timestamp, read as the SDK reads it (the first t=)."""
    items = [item.split("=", 2) for item in header.split(",")]
    return int(next(item[1] for item in items if item[0] == "t"))


class StripeGateway:
    name = "stripe"
    methods = ("card", "alipay", "wechat_pay")

    def methods_for(self, *, device: Device) -> tuple[str, ...]:
        """Stripe shows WeChat Pay as a QR code, which a phone cannot scan from its
        own screen; WeChat's browser opens neither Alipay nor a QR code."""
        if device == "wechat":
            return ("card",)
        if device == "phone":
            return ("card", "alipay")
        return self.methods

    def start(self, *, payment: Payment, payer: Payer) -> PaymentStart:
        params: dict[str, Any] = {
            "amount": payment.amount_fen,
            "currency": payment.currency,
            "payment_method_types": [payment.method],
            # Lets the webhook find the payment even if external_id was never saved.
            "metadata": {"order_number": payment.order.number, "payment_id": str(payment.pk)},
            **_confirm_params(payment),
        }
        try:
            intent = _client().v1.payment_intents.create(
                params=params,
                options={"idempotency_key": payment.idempotency_key},
            )
        except stripe.StripeError as error:
            logger.warning("Stripe refused payment %s: %s", payment.pk, error)
            raise PaymentError(_("暂时无法发起付款，请稍后再试或换一种支付方式。")) from error
        payment.external_id = intent.id
        payment.save(update_fields=["external_id", "updated_at"])
        page = _page(intent)
        return PaymentStart(
            redirect_url=page.redirect_url or reverse("stripe_payment", args=[payment.pk]),
            client_secret=page.client_secret,
        )

    def payment_page(self, *, payment: Payment) -> PaymentPage:
        """The PaymentIntent's current state, for the buyer's payment page. Read on
        each visit so the client secret is never stored on our side."""
        try:
            intent = _client().v1.payment_intents.retrieve(
                payment.external_id or "", params={"expand": ["latest_charge"]}
            )
        except stripe.StripeError as error:
            logger.warning("Stripe could not show payment %s: %s", payment.pk, error)
            raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error
        return _page(intent)

    def query(self, *, payment: Payment) -> GatewayPayment:
        if not payment.external_id:
            # The intent was never created, or its id was not saved: nothing to ask.
            return GatewayPayment(status="pending")
        try:
            intent = _client().v1.payment_intents.retrieve(
                payment.external_id, params={"expand": ["latest_charge"]}
            )
        except stripe.StripeError as error:
            logger.warning("Stripe could not say how payment %s stands: %s", payment.pk, error)
            raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error
        return _state(intent.to_dict())

    def close(self, *, payment: Payment) -> GatewayPayment:
        if not payment.external_id:
            # No intent id was saved, so the buyer was never sent on from one
            # (start saves it first): no money can land on it.
            return GatewayPayment(status="closed")
        try:
            intent = _client().v1.payment_intents.cancel(payment.external_id)
        except stripe.InvalidRequestError as error:
            # Stripe refuses to cancel an intent that succeeded, is processing or
            # is already canceled (payment_intent_unexpected_state): how it
            # stands now is the answer.
            logger.info("Stripe would not cancel payment %s: %s", payment.pk, error)
            return self.query(payment=payment)
        except stripe.StripeError as error:
            logger.warning("Stripe could not cancel payment %s: %s", payment.pk, error)
            raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error
        return _state(intent.to_dict())

    def charge_payment_intent(self, *, charge_id: str) -> str | None:
        """The PaymentIntent a charge belongs to (None for a charge Stripe does not
        know, or one made without an intent)."""
        try:
            charge = _client().v1.charges.retrieve(charge_id)
        except stripe.InvalidRequestError:
            return None
        except stripe.StripeError as error:
            logger.warning("Stripe could not show charge %s: %s", charge_id, error)
            raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error
        intent = charge.to_dict().get("payment_intent")
        return intent if isinstance(intent, str) and intent else None

    def statement(self, *, day: date) -> list[StatementLine]:
        """The day's payments and refunds as Stripe's balance shows them, with our
        reference for each (empty for money the shop has no record of)."""
        start = datetime(day.year, day.month, day.day, tzinfo=STATEMENT_ZONE)
        end = start + timedelta(days=1)
        try:
            listing = _client().v1.balance_transactions.list(
                params={
                    "created": {"gte": int(start.timestamp()), "lt": int(end.timestamp())},
                    "limit": 100,
                    # Each charge comes with its PaymentIntent's id: a request a page,
                    # not one a charge.
                    "expand": ["data.source"],
                }
            )
            listed = [txn.to_dict() for txn in listing.auto_paging_iter()]
        except stripe.StripeError as error:
            logger.warning("Stripe could not list the balance of %s: %s", day, error)
            raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error
        transactions = [txn for txn in listed if txn.get("type") in STATEMENT_KINDS]
        currencies = {txn["currency"] for txn in transactions} - {"cny"}
        if currencies:
            # Amounts and fees are in the settlement currency: not fen to set
            # against our payments.
            raise PaymentError(
                _("Stripe 账户以 %(currencies)s 结算，无法按人民币对账。")
                % {"currencies": ", ".join(sorted(currencies)).upper()}
            )
        return _statement_lines(transactions)

    def refund(self, *, refund: Refund) -> RefundOutcome:
        try:
            result = _client().v1.refunds.create(
                params={
                    "payment_intent": refund.payment.external_id or "",
                    "amount": refund.amount_fen,
                },
                options={"idempotency_key": refund.idempotency_key},
            )
        except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as error:
            # No answer, or Stripe's own failure: the refund may have been made. It
            # stays pending and is sent again under the same idempotency key
            # (refunds.execute_pending_refunds), which Stripe answers with that refund.
            logger.warning("Stripe did not answer refund %s: %s", refund.pk, error)
            raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error
        except stripe.StripeError as error:
            logger.warning("Stripe refused refund %s: %s", refund.pk, error)
            return RefundOutcome(succeeded=False, message=error.user_message or str(error))
        data = result.to_dict()
        if data.get("status") in REFUND_ACCEPTED:
            return RefundOutcome(succeeded=True, external_id=data["id"])
        reason = data.get("failure_reason") or ""
        return RefundOutcome(
            succeeded=False,
            external_id=data["id"],
            message=f"Stripe refund {data.get('status')} {reason}".strip(),
        )

    def parse_webhook(self, *, payload: bytes, signature: str) -> StripeEvent:
        """Verify the signature on the raw body (and that it is under five minutes
        old and not from the future, against replays of captured requests), then
        read the event."""
        try:
            event = stripe.Webhook.construct_event(
                payload, signature, settings.STRIPE_WEBHOOK_SECRET
            )
        except stripe.SignatureVerificationError as error:
            raise WebhookError("invalid signature") from error
        except (ValueError, AttributeError) as error:
            # Not UTF-8 or not JSON (ValueError), or JSON but not an object (the
            # SDK then fails on .get): only reached once the signature checked out.
            raise WebhookError("malformed payload") from error
        if _signed_at(signature) > time.time() + CLOCK_SKEW_SECONDS:
            raise WebhookError("invalid signature")
        data = event.to_dict()
        try:
            # A lone surrogate is valid JSON ("\ud800") but no database stores it:
            # refuse the event here rather than fail when a part of it is written.
            json.dumps(json.loads(payload), ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as error:
            raise WebhookError("malformed payload") from error
        inner = data.get("data")
        obj = inner.get("object") if isinstance(inner, dict) else None
        if not (
            isinstance(data.get("id"), str)
            and isinstance(data.get("type"), str)
            and isinstance(data.get("created"), int)
            and isinstance(obj, dict)
        ):
            raise WebhookError("malformed payload")
        return StripeEvent(id=data["id"], type=data["type"], created=data["created"], object=obj)


def _statement_lines(transactions: list[dict[str, Any]]) -> list[StatementLine]:
    """Balance transactions as statement lines, oldest first: a payment by its
    PaymentIntent (our Payment.external_id), a refund by its id (our Refund's)."""
    found = []
    for txn in transactions:
        source = txn.get("source")
        source = source if isinstance(source, dict) else {"id": source}
        kind = STATEMENT_KINDS[txn["type"]]
        intent = source.get("payment_intent") if kind == "payment" else None
        found.append((txn, kind, str(intent or source.get("id") or "")))
    paid = {ref for _txn, kind, ref in found if kind == "payment"}
    refunded = {ref for _txn, kind, ref in found if kind == "refund"}
    references = {
        ("payment", payment.external_id): payment.merchant_reference
        for payment in Payment.objects.filter(
            gateway="stripe", external_id__in=paid
        ).select_related("order")
    } | {
        ("refund", refund.external_id): refund.merchant_reference
        for refund in Refund.objects.filter(
            payment__gateway="stripe", external_id__in=refunded
        ).select_related("order")
    }
    lines = [
        StatementLine(
            kind=kind,
            merchant_reference=references.get((kind, external_id), ""),
            external_id=external_id,
            amount_fen=abs(txn["amount"]),
            fee_fen=txn["fee"],
            occurred_at=datetime.fromtimestamp(txn["created"], tz=UTC),
        )
        for txn, kind, external_id in found
    ]
    return sorted(lines, key=lambda line: line.occurred_at)
