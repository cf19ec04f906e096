"""The Stripe adapter: the one module that imports ``stripe``.

PaymentIntents in CNY (amounts in fen, which is Stripe's minor unit for CNY) for
card, Alipay and WeChat Pay, refunds, and webhook verification. Every request
that creates something carries our idempotency key, so a retried request (the
SDK's own retries, or ours after a crash) never charges or refunds twice.

The SDK client is built per call from settings rather than configured once in
module globals, so each call sees the current settings and nothing leaks
between configurations (tests point ``STRIPE_API_BASE`` at a local fake).
"""

import json
import logging
from dataclasses import dataclass
from typing import Any

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from shop.payments.gateway import Device, Payer, PaymentError, PaymentStart, RefundOutcome
from shop.payments.models import Payment, Refund

logger = logging.getLogger(__name__)

# Refund statuses meaning Stripe has taken the refund on. Alipay and WeChat Pay
# refunds often stay "pending" for a while and nearly always complete; a late
# failure arrives as a webhook (see stripe.webhooks) for a person to handle.
REFUND_ACCEPTED = ("succeeded", "pending")


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
    )


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
            intent = _client().v1.payment_intents.retrieve(payment.external_id or "")
        except stripe.StripeError as error:
            logger.warning("Stripe could not show payment %s: %s", payment.pk, error)
            raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error
        return _page(intent)

    def refund(self, *, refund: Refund) -> RefundOutcome:
        try:
            result = _client().v1.refunds.create(
                params={
                    "payment_intent": refund.payment.external_id or "",
                    "amount": refund.amount_fen,
                },
                options={"idempotency_key": refund.idempotency_key},
            )
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
        old, against replays of captured requests), then read the event."""
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
