"""The offline gateway: bank transfer or cash, recorded by staff."""

from django.urls import reverse

from shop.payments.gateway import PaymentStart, RefundOutcome
from shop.payments.models import Payment, Refund


class OfflineGateway:
    """Bank transfer or cash: staff record the money (services.record_offline_payment)
    and pay refunds back by hand, then record them here."""

    name = "offline"
    methods = ("bank_transfer", "cash")

    def start(self, *, payment: Payment) -> PaymentStart:
        return PaymentStart(redirect_url=reverse("order_detail", args=[payment.order.number]))

    def refund(self, *, refund: Refund) -> RefundOutcome:
        return RefundOutcome(succeeded=True, external_id=f"offline_refund_{refund.pk}")
