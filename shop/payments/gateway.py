"""The payment gateway interface, and which gateway serves an order.

A gateway starts a payment (telling the view where to send the buyer) and
refunds. Money arriving is always recorded through ``shop.payments.services``,
whichever way the gateway learns of it (a local page, staff, a webhook).

Each gateway lives in its own package (``dummy/``, ``stripe/``; ``offline``),
the only place that imports its provider's SDK. They are named here by dotted
path, not imported, because a gateway's webhook calls back into
``services``: importing them here would make ``services`` and every gateway
import each other. This table is the one place where gateways are plugged in.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from shop.payments.models import Payment, Refund

GATEWAYS = {
    "dummy": "shop.payments.dummy.gateway.DummyGateway",
    "offline": "shop.payments.offline.OfflineGateway",
    "stripe": "shop.payments.stripe.gateway.StripeGateway",
}


class PaymentError(Exception):
    pass


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


def get_gateway(name: str | None = None) -> PaymentGateway:
    name = name or settings.PAYMENT_GATEWAY
    if name not in GATEWAYS:
        raise ValueError(f"unknown payment gateway {name!r}")
    return import_string(GATEWAYS[name])()
