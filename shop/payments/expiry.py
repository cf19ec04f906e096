"""Unpaid orders past their payment window.

Each open payment is closed at its provider (关单) before the order is
cancelled, so that no money can land on a cancelled order; when the provider
answers that the buyer paid just before, the payment is recorded instead and
the order is paid, not cancelled. The providers are called outside any
transaction; the order is then cancelled under its lock."""

import logging
from datetime import datetime

from django.utils import timezone

from shop.orders import lifecycle
from shop.payments import services
from shop.payments.gateway import PaymentError, get_gateway
from shop.payments.models import Payment

logger = logging.getLogger(__name__)


def expire_unpaid_orders(*, now: datetime | None = None) -> int:
    """Cancel the orders whose payment window has passed; returns how many."""
    now = now or timezone.now()
    expired = 0
    for order_id in lifecycle.orders_due_to_expire(now=now):
        if close_open_payments(order_id=order_id):
            expired += lifecycle.expire_order(order_id=order_id, now=now)
    return expired


def close_open_payments(*, order_id: int) -> bool:
    """Close the order's pending payments at their providers and record what
    they say; True when none of them can still be paid. A provider that cannot
    be reached, or a payment still in flight, keeps the order (and its stock)
    until the next sweep: cancelling it could take money for goods sold to
    someone else."""
    pending = Payment.objects.filter(order_id=order_id, status=Payment.Status.PENDING)
    for payment in pending.select_related("order"):
        try:
            state = get_gateway(payment.gateway).close(payment=payment)
        except PaymentError as error:
            logger.warning(
                "could not close payment %s at %s: %s", payment.pk, payment.gateway, error
            )
            return False
        if state.status == "pending":
            return False
        services.record_gateway_state(payment_id=payment.pk, state=state)
    return True
