"""Reading payments for pages."""

from dataclasses import dataclass

from django.db.models import Q, Sum

from shop.orders.models import Order
from shop.payments.models import Payment, Refund


@dataclass(frozen=True)
class SurplusPayment:
    """Money received that did not buy the order's goods, and how much of it
    has gone back to the buyer."""

    payment: Payment
    returned_fen: int

    @property
    def outstanding_fen(self) -> int:
        return self.payment.amount_fen - self.returned_fen


def surplus_payments(*, order: Order) -> list[SurplusPayment]:
    payments = order.payments.filter(status=Payment.Status.SUCCEEDED, surplus=True).annotate(
        returned=Sum(
            "refunds__amount_fen", filter=Q(refunds__status=Refund.Status.SUCCEEDED), default=0
        )
    )
    return [SurplusPayment(payment=payment, returned_fen=payment.returned) for payment in payments]
