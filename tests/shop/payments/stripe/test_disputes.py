"""Disputes (chargebacks, 拒付): the order is flagged for a person, once per event,
and nothing is refunded or taken off the books until that person decides."""

import logging
import time
from typing import Any

import pytest

from shop.orders.models import Order, OrderEvent
from shop.payments.models import Payment, Refund, WebhookEvent
from shop.payments.services import payment_succeeded
from tests.township import add_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(alipay_payment) -> Payment:
    return payment_succeeded(
        payment_id=alipay_payment.pk,
        amount_fen=alipay_payment.amount_fen,
        external_id=alipay_payment.external_id,
    )


def dispute_event(
    payment: Payment, event_type: str = "charge.dispute.created", **fields: Any
) -> dict[str, Any]:
    """A dispute event as Stripe sends it (API versions with ``payment_intent``)."""
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "amount": payment.amount_fen,
        "currency": "cny",
        "charge": "ch_1",
        "payment_intent": payment.external_id,
        "reason": "product_not_received",
        "status": "needs_response",
        **fields,
    }
    return {
        "id": f"evt_{event_type}_{dispute['status']}",
        "object": "event",
        "created": int(time.time()),
        "type": event_type,
        "data": {"object": dispute},
    }


def order_of(payment: Payment) -> Order:
    return Order.objects.get(pk=payment.order_id)


def test_a_dispute_flags_the_order_with_its_amount_and_reason(paid, deliver):
    response = deliver(dispute_event(paid))

    assert response.status_code == 200
    assert (
        response.content
        == b"dispute needs_response (product_not_received); order flagged for review"
    )
    order = order_of(paid)
    assert order.needs_review
    assert f"{paid.amount_fen} 分" in order.review_reason
    assert "买家称未收到商品" in order.review_reason
    [event] = OrderEvent.objects.filter(order=order, kind="flagged_for_review")
    assert event.note == order.review_reason


def test_a_dispute_refunds_nothing_and_leaves_the_order_paid(paid, deliver):
    deliver(dispute_event(paid))

    order = order_of(paid)
    assert (order.status, order.refunded_fen) == (Order.Status.PAID, 0)
    assert not Refund.objects.exists()
    assert not OrderEvent.objects.filter(order=order, kind__startswith="refund").exists()
    paid.refresh_from_db()
    assert paid.status == Payment.Status.SUCCEEDED


def test_staff_see_a_disputed_order_on_the_flagged_list(paid, deliver, client):
    deliver(dispute_event(paid))
    client.force_login(add_staff("township_editor"))

    response = client.get("/admin/snippets/shop/order/", {"needs_review": "true"})

    assert response.status_code == 200
    assert paid.order.number in response.content.decode()


def test_a_redelivered_dispute_takes_effect_once(paid, deliver):
    event = dispute_event(paid)

    deliver(event)
    assert deliver(event).content == b"already processed"

    assert WebhookEvent.objects.count() == 1
    assert OrderEvent.objects.filter(order=paid.order, kind="flagged_for_review").count() == 1


@pytest.mark.parametrize(
    ("status", "said"),
    [("won", "本店胜诉"), ("lost", "买家胜诉"), ("warning_closed", "预警已关闭")],
)
def test_the_end_of_a_dispute_is_recorded_with_its_outcome(paid, deliver, status, said):
    deliver(dispute_event(paid))

    response = deliver(dispute_event(paid, "charge.dispute.closed", status=status))

    assert response.status_code == 200
    order = order_of(paid)
    assert said in order.review_reason
    assert order.status == Order.Status.PAID  # still a person's decision
    notes = list(
        OrderEvent.objects.filter(order=order, kind="flagged_for_review").values_list(
            "note", flat=True
        )
    )
    assert len(notes) == 2
    assert said in notes[1]


def test_a_reason_stripe_adds_later_is_shown_as_it_is(paid, deliver):
    deliver(dispute_event(paid, reason="noncompliant"))

    assert "noncompliant" in order_of(paid).review_reason


def test_without_payment_intent_the_charge_says_which_payment(paid, on_stub, deliver):
    # API versions before disputes named their PaymentIntent.
    charge = on_stub.add_charge(intent_id=paid.external_id, amount=paid.amount_fen)
    event = dispute_event(paid, charge=charge["id"])
    del event["data"]["object"]["payment_intent"]

    response = deliver(event)

    assert response.status_code == 200
    assert order_of(paid).needs_review
    assert any(r.path == f"/v1/charges/{charge['id']}" for r in on_stub.requests)


def test_when_stripe_cannot_say_whose_charge_it_is_the_event_is_asked_again(paid, on_stub, deliver):
    event = dispute_event(paid)
    del event["data"]["object"]["payment_intent"]
    on_stub.refuse_key = True

    response = deliver(event)

    assert response.status_code == 503  # Stripe sends it again later
    assert not WebhookEvent.objects.exists()
    assert not order_of(paid).needs_review


def test_a_dispute_of_a_payment_not_ours_is_recorded_and_logged(paid, deliver, caplog):
    event = dispute_event(paid, payment_intent="pi_someone_else", id="dp_other")

    with caplog.at_level(logging.WARNING, logger="shop.payments.stripe.webhooks"):
        response = deliver(event)

    assert response.status_code == 200
    assert WebhookEvent.objects.get().outcome == "unknown payment"
    assert "dp_other" in caplog.text
    assert not order_of(paid).needs_review


def test_a_dispute_of_a_charge_made_without_an_intent_is_not_ours(paid, deliver):
    response = deliver(dispute_event(paid, payment_intent=None))

    assert response.status_code == 200
    assert WebhookEvent.objects.get().outcome == "unknown payment"
