"""Confirmations of payments: the same one twice changes nothing, a second
distinct payment for a paid order (the buyer paid in two tabs) is flagged."""

import pytest
from django.core import mail
from django.utils import translation

from shop.orders.checkout import place_order
from shop.orders.models import Order, OrderEvent
from shop.payments.models import Payment
from shop.payments.services import payment_succeeded, start_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(two_producers, address):
    tomato, _bag = two_producers
    return place_order(
        items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )


def test_the_same_payment_confirmed_twice_pays_once(order):
    payment, _ = start_payment(order=order)
    payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
    payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert not order.needs_review
    assert OrderEvent.objects.filter(order=order, kind="paid").count() == 1


def test_a_second_payment_for_a_paid_order_flags_it_for_a_refund(order):
    first, _ = start_payment(order=order)
    second, _ = start_payment(order=order)
    payment_succeeded(payment_id=first.pk, amount_fen=order.total_fen)
    payment_succeeded(payment_id=second.pk, amount_fen=order.total_fen)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.needs_review
    assert "又收到一笔付款" in order.review_reason
    assert Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED).count() == 2
    assert OrderEvent.objects.filter(order=order, kind="paid").count() == 1


def test_a_buyer_who_ordered_in_english_gets_the_e_mail_in_english(
    two_producers, address, django_capture_on_commit_callbacks
):
    tomato, _bag = two_producers
    with translation.override("en"):
        order = place_order(
            items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
        )
    assert order.language == "en"
    with django_capture_on_commit_callbacks(execute=True):
        payment, _ = start_payment(order=order)
        payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
    (message,) = mail.outbox
    assert message.subject == f"Payment received for order {order.number}"
    assert f"/en/orders/{order.number}/" in message.body
