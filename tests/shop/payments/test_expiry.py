"""Expiry closes each open payment at its provider (关单) before cancelling the
order, so no money can land on a cancelled order; a payment the provider says
went through pays the order instead (tested against each provider's fake, with
the provider unreachable too, in tests/shop/payments/<gateway>/)."""

from datetime import timedelta

import pytest

from shop.orders.checkout import place_order
from shop.orders.models import Order
from shop.payments import expiry
from shop.payments.models import Payment
from shop.payments.services import start_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(two_producers, address):
    tomato, _bag = two_producers
    return place_order(
        items=[(tomato.pk, 4)], email="a@example.com", address=address, gateway="dummy"
    )


def test_an_expired_order_has_its_open_payment_closed_then_is_cancelled(order):
    payment, _start = start_payment(order=order)

    assert expiry.expire_unpaid_orders(now=order.created_at) == 0
    assert expiry.expire_unpaid_orders(now=order.expires_at + timedelta(seconds=1)) == 1

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_message == "closed"
    assert order.status == Order.Status.CANCELLED
    assert expiry.expire_unpaid_orders(now=order.expires_at + timedelta(hours=1)) == 0
