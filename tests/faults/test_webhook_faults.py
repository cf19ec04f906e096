"""Stripe's webhook when events come twice, late, out of order, or for an order that
expired meanwhile: each sale is paid and accrued once, stock is never oversold, and
aid_reconcile passes. Complements tests/shop/payments/stripe/test_webhooks.py, which
covers signatures, replays and single events."""

import datetime
import time
from datetime import timedelta

import pytest

from aid_accounting.accrual.models import LineAccrual
from aid_accounting.audit.reconcile import reconcile
from shop.catalogue.models import ProductVariant
from shop.orders import inventory, lifecycle
from shop.orders.models import Order, OrderEvent
from shop.payments.models import Payment, WebhookEvent
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import start_payment
from tests.shop.payments.stripe.conftest import intent_event
from tests.township import add_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def aid_rule(two_producers, aid_pool):
    tomato, _bag = two_producers
    return add_rule(tomato.product.producer, aid_pool, valid_from=datetime.date(2020, 1, 1))


@pytest.fixture
def payment(on_stub, stripe_order, aid_rule) -> Payment:
    payment, _start = start_payment(order=stripe_order, method="alipay")
    return payment


def charge_refunded(payment: Payment, amount_fen: int) -> dict:
    """``charge.refunded`` as Stripe sends it: the charge, with what was refunded in all."""
    return {
        "id": f"evt_charge_refunded_{payment.pk}_{amount_fen}",
        "object": "event",
        "created": int(time.time()),
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": f"ch_{payment.pk}",
                "object": "charge",
                "amount": payment.amount_fen,
                "amount_refunded": amount_fen,
                "currency": "cny",
                "payment_intent": payment.external_id,
                "refunded": amount_fen == payment.amount_fen,
            }
        },
    }


def order_of(payment: Payment) -> Order:
    return Order.objects.get(pk=payment.order_id)


def stock() -> list[int]:
    return list(ProductVariant.objects.order_by("pk").values_list("stock", flat=True))


def assert_accrued_once(order: Order) -> None:
    assert LineAccrual.objects.filter(line__order=order).count() == order.lines.count()
    assert OrderEvent.objects.filter(order=order, kind="paid").count() == 1
    failed = [check.name for check in reconcile().checks if not check.ok]
    assert not failed


def test_an_event_delivered_twice_accrues_once(payment, deliver):
    event = intent_event(payment)

    deliver(event)
    deliver(event)

    assert_accrued_once(order_of(payment))


def test_a_second_payment_after_the_order_was_paid_is_flagged_not_accrued(
    payment, deliver, stripe_order
):
    second, _start = start_payment(order=stripe_order, method="wechat_pay")
    deliver(intent_event(payment))

    deliver(intent_event(second))

    order = order_of(payment)
    assert order.status == Order.Status.PAID
    assert order.needs_review
    assert "又收到一笔付款" in order.review_reason
    assert_accrued_once(order)


def test_a_success_arriving_again_after_a_full_refund_changes_nothing(payment, deliver, staff):
    deliver(intent_event(payment))
    refund = request_refund(order_id=payment.order_id, actor=staff, reason="买家取消")
    execute_refund(refund_id=refund.pk)
    before = stock()

    # Stripe resends under a new event id now and then; the payment is already recorded.
    assert deliver(intent_event(payment)).status_code == 200

    order = order_of(payment)
    assert order.status == Order.Status.REFUNDED
    assert not order.needs_review
    assert stock() == before
    assert_accrued_once(order)


def test_a_refund_reported_before_the_success_is_refused_until_the_success_is_in(payment, deliver):
    refunded_at_stripe = charge_refunded(payment, payment.amount_fen)

    early = deliver(refunded_at_stripe)

    assert early.status_code == 409  # Stripe sends it again later
    assert not WebhookEvent.objects.exists()

    deliver(intent_event(payment))
    deliver(intent_event(payment, "payment_intent.payment_failed"))  # late, and stale
    again = deliver(refunded_at_stripe)

    assert again.status_code == 200
    order = order_of(payment)
    assert order.status == Order.Status.PAID
    # Refunded in Stripe's Dashboard, not through the shop: a person reconciles it.
    assert order.needs_review
    assert "本店只记录了 0 分" in order.review_reason
    assert_accrued_once(order)


def test_our_own_refund_reported_by_stripe_needs_no_review(payment, deliver, staff):
    deliver(intent_event(payment))
    refund = request_refund(order_id=payment.order_id, actor=staff, reason="买家取消")
    execute_refund(refund_id=refund.pk)

    response = deliver(charge_refunded(payment, payment.amount_fen))

    assert response.content == b"refund already recorded"
    assert not order_of(payment).needs_review


def test_money_for_an_expired_order_takes_its_stock_again_and_pays_it(payment, deliver):
    order = order_of(payment)
    reserved = stock()
    lifecycle.expire_order(order_id=order.pk, now=order.expires_at + timedelta(minutes=1))
    assert stock() == [reserved[0] + 3, reserved[1] + 2]  # given back by the expiry

    response = deliver(intent_event(payment))

    assert response.content == b"payment succeeded; order paid"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert not order.needs_review
    assert stock() == reserved
    assert_accrued_once(order)


def test_money_for_an_expired_order_takes_no_stock_if_one_line_is_gone(payment, deliver):
    order = order_of(payment)
    lifecycle.expire_order(order_id=order.pk, now=order.expires_at + timedelta(minutes=1))
    _tomato, bag = (line.variant_id for line in order.lines.order_by("variant_id"))
    inventory.reserve(variant_id=bag, quantity=ProductVariant.objects.get(pk=bag).stock - 1)
    before = stock()

    deliver(intent_event(payment))

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.needs_review
    assert "库存已不足" in order.review_reason
    assert stock() == before  # not even the tomatoes, which were there
    assert not LineAccrual.objects.exists()
    assert not [check.name for check in reconcile().checks if not check.ok]


def test_a_cancellation_by_a_person_is_not_undone_by_a_late_payment(payment, deliver):
    lifecycle.cancel(order_id=payment.order_id, note="买家要求取消")

    deliver(intent_event(payment))

    order = order_of(payment)
    assert order.status == Order.Status.CANCELLED
    assert order.needs_review
    assert not LineAccrual.objects.exists()
