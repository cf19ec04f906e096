"""The dummy gateway, the embedded default for development and the demo: a local
page where the buyer picks the outcome. No money moves."""

from django.urls import reverse

from shop.payments.gateway import PaymentStart, RefundOutcome
from shop.payments.models import Payment, Refund


class DummyGateway:
    """The default: a local page where the buyer chooses success or failure."""

    name = "dummy"
    methods = ("card",)

    def start(self, *, payment: Payment) -> PaymentStart:
        return PaymentStart(redirect_url=reverse("dummy_payment", args=[payment.pk]))

    def refund(self, *, refund: Refund) -> RefundOutcome:
        return RefundOutcome(succeeded=True, external_id=f"dummy_refund_{refund.pk}")
