"""The payment gateway interface, and which gateways the shop offers.

A gateway starts a payment (telling the view where to send the buyer), asks
its provider how a payment stands (查单), closes an unpaid one (关单), refunds,
and downloads a day's statement (对账单). Money arriving is always recorded
through ``shop.payments.services``, whichever way the gateway learns of it
(its notification, a query, staff, a local page).

Each gateway lives in its own package (``dummy/``, ``stripe/``, ``wechatpay/``,
``alipay/``; ``offline``), the only place that imports its provider's SDK. They
are named here by dotted path, not imported, because a gateway's notification
view calls back into ``services``: importing them here would make ``services``
and every gateway import each other. This table is the one place where
gateways are plugged in.

No gateway call is made while a database transaction holds an order's row:
a slow provider must not stall checkouts, webhooks and the expiry sweep.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from shop.payments.models import Payment, Refund

GATEWAYS = {
    "dummy": "shop.payments.dummy.gateway.DummyGateway",
    "offline": "shop.payments.offline.OfflineGateway",
    "stripe": "shop.payments.stripe.gateway.StripeGateway",
    "alipay": "shop.payments.alipay.gateway.AlipayGateway",
    "wechatpay": "shop.payments.wechatpay.gateway.WeChatPayGateway",
}

Device = Literal["desktop", "phone", "wechat"]


class PaymentError(Exception):
    pass


@dataclass(frozen=True)
class Payer:
    """What a gateway may need to know of the buyer paying: the kind of browser
    (WeChat's own, another phone browser, a desktop one) and its address
    (WeChat Pay H5 requires it)."""

    device: Device = "desktop"
    client_ip: str = ""


@dataclass(frozen=True)
class PaymentStart:
    redirect_url: str = ""  # where to send the buyer next
    client_secret: str = ""  # for Stripe.js to confirm the payment in the page


@dataclass(frozen=True)
class GatewayPayment:
    """How the provider says a payment stands (the answer to 查单)."""

    status: Literal["pending", "succeeded", "failed", "closed"]
    amount_fen: int | None = None
    currency: str = "cny"
    external_id: str | None = None  # the provider's transaction id
    paid_at: datetime | None = None
    message: str = ""


@dataclass(frozen=True)
class RefundOutcome:
    succeeded: bool
    external_id: str | None = None
    message: str = ""


@dataclass(frozen=True)
class StatementLine:
    """One line of a gateway's daily statement (对账单): a charge or a refund."""

    kind: Literal["payment", "refund"]
    merchant_reference: str  # our Payment/Refund.merchant_reference
    external_id: str  # the provider's transaction or refund id
    amount_fen: int  # always positive; ``kind`` says which way it went
    fee_fen: int
    occurred_at: datetime


class PaymentGateway(Protocol):
    name: str
    methods: tuple[str, ...]

    def methods_for(self, *, device: Device) -> tuple[str, ...]:
        """The methods that work in this kind of browser, best first."""
        ...

    def start(self, *, payment: Payment, payer: Payer) -> PaymentStart: ...

    def query(self, *, payment: Payment) -> GatewayPayment: ...

    def close(self, *, payment: Payment) -> GatewayPayment:
        """Close an unpaid payment at the provider so that no money can land on it
        any more; returns the payment's state afterwards (``succeeded`` when it
        was paid before the close reached the provider)."""
        ...

    def refund(self, *, refund: Refund) -> RefundOutcome: ...

    def statement(self, *, day: date) -> list[StatementLine]: ...


def enabled_gateways() -> list[str]:
    """The online gateways buyers may choose from (``offline`` is staff's)."""
    return list(settings.PAYMENT_GATEWAYS)


def get_gateway(name: str) -> PaymentGateway:
    if name not in GATEWAYS:
        raise ValueError(f"unknown payment gateway {name!r}")
    if name == "dummy" and settings.PRODUCTION:
        # Fail closed: the dummy page lets a buyer mark their own order paid.
        raise PaymentError("the dummy gateway is refused in production")
    return import_string(GATEWAYS[name])()
