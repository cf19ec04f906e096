"""The offline gateway: bank transfer or cash, recorded by staff."""

from datetime import date

from django.urls import reverse

from shop.payments.gateway import (
    Device,
    GatewayPayment,
    Payer,
    PaymentStart,
    RefundOutcome,
    StatementLine,
)
from shop.payments.models import Payment, Refund


class OfflineGateway:
    """Bank transfer or cash: staff record the money (services.record_offline_payment)
    and pay refunds back by hand, then record them here. There is no provider
    to ask: what staff recorded is all there is, and the bank's own statement
    is reconciled by hand."""

    name = "offline"
    methods = ("bank_transfer", "cash")

    def methods_for(self, *, device: Device) -> tuple[str, ...]:
        return self.methods

    def start(self, *, payment: Payment, payer: Payer) -> PaymentStart:
        return PaymentStart(redirect_url=reverse("order_detail", args=[payment.order.number]))

    def query(self, *, payment: Payment) -> GatewayPayment:
        return GatewayPayment(status="pending")

    def close(self, *, payment: Payment) -> GatewayPayment:
        return GatewayPayment(status="closed")

    def refund(self, *, refund: Refund) -> RefundOutcome:
        return RefundOutcome(succeeded=True, external_id=f"offline_refund_{refund.pk}")

    def statement(self, *, day: date) -> list[StatementLine]:
        return []
