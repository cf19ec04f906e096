"""Payment gateways behind one small interface, chosen by PAYMENT_GATEWAY.

A gateway starts a payment (telling the view where to send the buyer) and
refunds. Money arriving is always recorded through ``shop.payments.services``,
whichever way the gateway learns of it (a local page, staff, a webhook).
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.urls import reverse

from ..models import Payment, Refund


@dataclass(frozen=True)
class PaymentStart:
    redirect_url: str = ""  # where to send the buyer next
    client_secret: str = ""  # for Stripe.js to confirm the payment in the page


@dataclass(frozen=True)
class RefundOutcome:
    succeeded: bool
    external_id: str | None = None
    message: str = ""


class PaymentGateway(Protocol):
    name: str
    methods: tuple[str, ...]

    def start(self, *, payment: Payment) -> PaymentStart: ...

    def refund(self, *, refund: Refund) -> RefundOutcome: ...


class DummyGateway:
    """The default: a local page where the buyer chooses success or failure."""

    name = "dummy"
    methods = ("card",)

    def start(self, *, payment: Payment) -> PaymentStart:
        return PaymentStart(redirect_url=reverse("dummy_payment", args=[payment.pk]))

    def refund(self, *, refund: Refund) -> RefundOutcome:
        return RefundOutcome(succeeded=True, external_id=f"dummy_refund_{refund.pk}")


class OfflineGateway:
    """Bank transfer or cash: staff record the money (services.record_offline_payment)
    and pay refunds back by hand, then record them here."""

    name = "offline"
    methods = ("bank_transfer", "cash")

    def start(self, *, payment: Payment) -> PaymentStart:
        return PaymentStart(redirect_url=reverse("order_detail", args=[payment.order.number]))

    def refund(self, *, refund: Refund) -> RefundOutcome:
        return RefundOutcome(succeeded=True, external_id=f"offline_refund_{refund.pk}")


def get_gateway(name: str | None = None) -> PaymentGateway:
    name = name or settings.PAYMENT_GATEWAY
    if name == "stripe":
        from .stripe_gateway import StripeGateway  # the only module importing stripe

        return StripeGateway()
    if name == "offline":
        return OfflineGateway()
    if name == "dummy":
        return DummyGateway()
    raise ValueError(f"unknown payment gateway {name!r}")
