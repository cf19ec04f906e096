"""The dummy gateway, the embedded default for development and the demo: a local
page where the buyer picks the outcome. No money moves, so it is refused in
production (``get_gateway`` and the system check in ``shop.checks``)."""

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


class DummyGateway:
    """A local page where the buyer chooses success or failure. Its "provider"
    is our own database, so a query, a close and a statement read it back."""

    name = "dummy"
    methods = ("card",)

    def methods_for(self, *, device: Device) -> tuple[str, ...]:
        return self.methods

    def start(self, *, payment: Payment, payer: Payer) -> PaymentStart:
        return PaymentStart(redirect_url=reverse("dummy_payment", args=[payment.pk]))

    def query(self, *, payment: Payment) -> GatewayPayment:
        payment.refresh_from_db()
        if payment.status == Payment.Status.SUCCEEDED:
            return GatewayPayment(
                status="succeeded",
                amount_fen=payment.amount_fen,
                external_id=payment.external_id,
                paid_at=payment.paid_at,
            )
        if payment.status == Payment.Status.FAILED:
            return GatewayPayment(status="failed", message=payment.failure_message)
        return GatewayPayment(status="pending")

    def close(self, *, payment: Payment) -> GatewayPayment:
        state = self.query(payment=payment)
        return state if state.status == "succeeded" else GatewayPayment(status="closed")

    def refund(self, *, refund: Refund) -> RefundOutcome:
        return RefundOutcome(succeeded=True, external_id=f"dummy_refund_{refund.pk}")

    def statement(self, *, day: date) -> list[StatementLine]:
        payments = Payment.objects.filter(
            gateway=self.name, status=Payment.Status.SUCCEEDED, paid_at__date=day
        ).select_related("order")
        refunds = Refund.objects.filter(
            payment__gateway=self.name, status=Refund.Status.SUCCEEDED, created_at__date=day
        ).select_related("order")
        return [
            StatementLine(
                kind="payment",
                merchant_reference=payment.merchant_reference,
                external_id=payment.external_id or "",
                amount_fen=payment.amount_fen,
                fee_fen=0,
                occurred_at=payment.paid_at,
            )
            for payment in payments
        ] + [
            StatementLine(
                kind="refund",
                merchant_reference=refund.merchant_reference,
                external_id=refund.external_id or "",
                amount_fen=refund.amount_fen,
                fee_fen=0,
                occurred_at=refund.created_at,
            )
            for refund in refunds
        ]
