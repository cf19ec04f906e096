"""Confirmations of payments: the same one twice changes nothing, a second
distinct payment for a paid order (the buyer paid in two tabs) is flagged."""

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from shop.orders.checkout import place_order
from shop.orders.lifecycle import cancel
from shop.orders.models import Order, OrderEvent
from shop.payments.gateway import PaymentError
from shop.payments.models import Payment, Refund
from shop.payments.services import (
    payment_failed,
    payment_succeeded,
    refund_reported,
    start_payment,
)

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


def second_payment(order: Order) -> Payment:
    """A payment through another provider: the buyer paid in two ways."""
    return Payment.objects.create(
        order=order,
        gateway="stripe",
        method="card",
        amount_fen=order.total_fen,
        idempotency_key=f"second-{order.number}",
    )


def test_a_second_payment_for_a_paid_order_flags_it_for_a_refund(order):
    first, _ = start_payment(order=order)
    second = second_payment(order)
    payment_succeeded(payment_id=first.pk, amount_fen=order.total_fen)
    payment_succeeded(payment_id=second.pk, amount_fen=order.total_fen)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.needs_review
    assert "又收到一笔付款" in order.review_reason
    assert Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED).count() == 2
    assert OrderEvent.objects.filter(order=order, kind="paid").count() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.surplus, second.surplus) == (False, True)


def test_ten_clicks_on_pay_continue_one_payment(order):
    payments = {start_payment(order=order)[0].pk for _ in range(10)}

    assert len(payments) == 1
    assert order.payments.count() == 1


def test_a_failed_payment_is_not_continued(order):
    first, _ = start_payment(order=order)
    payment_failed(payment_id=first.pk, message="declined")

    retry, _ = start_payment(order=order)

    assert retry.pk != first.pk


def test_a_payment_for_a_cancelled_order_is_surplus_and_says_so(order):
    payment, _ = start_payment(order=order)
    cancel(order_id=order.pk, note="buyer changed their mind")

    payment = payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)

    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.surplus
    assert payment.paid_at is not None
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.needs_review


def test_a_wrong_amount_is_surplus_and_leaves_the_order_unpaid(order):
    payment, _ = start_payment(order=order)

    payment = payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen - 1)

    assert payment.surplus
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_a_gateway_not_offered_is_refused(order):
    with pytest.raises(PaymentError):
        start_payment(order=order, gateway="stripe")
    with pytest.raises(PaymentError):
        start_payment(order=order, gateway="dummy", method="alipay")

    assert not order.payments.exists()


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
    # The signed link, in English too.
    assert f"{settings.SITE_URL}/en/o/" in message.body


def test_a_refund_of_ours_that_failed_does_not_cover_what_the_gateway_reports(order):
    payment, _ = start_payment(order=order)
    payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
    Refund.objects.create(
        order=order,
        payment=payment,
        amount_fen=100,
        status=Refund.Status.FAILED,
        idempotency_key="failed-here",
    )

    outcome = refund_reported(payment_id=payment.pk, refunded_fen=100)

    assert outcome == "refund made outside the shop, needs review"
    order.refresh_from_db()
    assert order.needs_review
