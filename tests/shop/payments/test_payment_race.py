"""Two payments of one order succeeding at the same moment (the buyer paid in
two tabs, the notifications arrive together): exactly one pays the order, the
other is surplus, decided under the order's lock (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from shop.orders.checkout import place_order
from shop.orders.models import Order, OrderEvent
from shop.payments.models import Payment
from shop.payments.services import payment_succeeded
from tests.shop.factories import ProductVariantFactory
from tests.township import ADDRESS

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAYMENTS = 8


def test_payments_succeeding_at_once_pay_the_order_once_and_flag_the_rest():
    assert connection.vendor == "postgresql"
    order = place_order(
        items=[(ProductVariantFactory(stock=5).pk, 1)],
        email="a@example.com",
        address=ADDRESS,
        gateway="dummy",
    )
    payments = [
        Payment.objects.create(
            order=order,
            gateway="dummy",
            method="card",
            amount_fen=order.total_fen,
            idempotency_key=f"race-{index}",
        )
        for index in range(PAYMENTS)
    ]
    start = threading.Barrier(PAYMENTS)

    def succeed(payment: Payment) -> None:
        try:
            start.wait()
            payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=succeed, args=(payment,)) for payment in payments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.needs_review
    succeeded = Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED)
    assert succeeded.count() == PAYMENTS
    assert succeeded.filter(surplus=False).count() == 1
    assert OrderEvent.objects.filter(order=order, kind="paid").count() == 1
