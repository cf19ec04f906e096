"""Expiry against a provider that answers (the Stripe stub): each open payment is
closed at Stripe before the order is cancelled; money taken just before the
close pays the order instead; a payment in flight or a Stripe that refuses to
answer keeps the order, and its stock, for the next sweep."""

from datetime import timedelta

import pytest

from shop.orders.models import Order
from shop.payments import expiry
from shop.payments.models import Payment

pytestmark = pytest.mark.django_db


def after_expiry(payment: Payment):
    return Order.objects.get(pk=payment.order_id).expires_at + timedelta(minutes=1)


def statuses(payment: Payment) -> tuple[str, str]:
    payment.refresh_from_db()
    return payment.order.status, payment.status


def test_an_unpaid_intent_is_canceled_at_stripe_then_the_order_is_cancelled(
    on_stub, alipay_payment
):
    assert expiry.expire_unpaid_orders(now=after_expiry(alipay_payment)) == 1

    assert on_stub.intents[alipay_payment.external_id]["status"] == "canceled"
    assert statuses(alipay_payment) == (Order.Status.CANCELLED, Payment.Status.FAILED)


def test_money_taken_before_the_close_pays_the_order_instead(on_stub, alipay_payment):
    on_stub.settle(alipay_payment.external_id)

    assert expiry.expire_unpaid_orders(now=after_expiry(alipay_payment)) == 0

    assert statuses(alipay_payment) == (Order.Status.PAID, Payment.Status.SUCCEEDED)


def test_a_payment_in_flight_keeps_the_order_for_the_next_sweep(on_stub, alipay_payment):
    on_stub.process(alipay_payment.external_id)

    assert expiry.expire_unpaid_orders(now=after_expiry(alipay_payment)) == 0

    assert statuses(alipay_payment) == (Order.Status.AWAITING_PAYMENT, Payment.Status.PENDING)


def test_a_stripe_that_refuses_to_answer_keeps_the_order(on_stub, alipay_payment):
    on_stub.refuse_key = True

    assert expiry.expire_unpaid_orders(now=after_expiry(alipay_payment)) == 0
    assert statuses(alipay_payment) == (Order.Status.AWAITING_PAYMENT, Payment.Status.PENDING)

    on_stub.refuse_key = False
    assert expiry.expire_unpaid_orders(now=after_expiry(alipay_payment)) == 1
    assert statuses(alipay_payment) == (Order.Status.CANCELLED, Payment.Status.FAILED)
