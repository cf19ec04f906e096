"""The Stripe webhook: signed events, each applied at most once, in any order.

Alipay and WeChat Pay payments are started against the recorded-response stub
(localstripe cannot confirm them) and completed by signed events shaped as
Stripe sends them.
"""

import json
import logging
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client

from core.roles import TOWNSHIP_EDITOR
from shop.orders import inventory, lifecycle
from shop.orders.models import Order, OrderEvent
from shop.payments import services
from shop.payments.models import Payment, Refund, WebhookEvent
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import start_payment
from shop.payments.stripe.gateway import CLOCK_SKEW_SECONDS
from tests.shop.payments.stripe.conftest import WEBHOOK_URL, intent_event, sign
from tests.township import add_staff

pytestmark = pytest.mark.django_db


def order_of(payment: Payment) -> Order:
    return Order.objects.get(pk=payment.order_id)


def paid_events(order: Order) -> int:
    return OrderEvent.objects.filter(order=order, kind="paid").count()


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_a_succeeded_event_pays_the_order(on_stub, stripe_order, deliver, method):
    payment, _start = start_payment(order=stripe_order, method=method)
    event = intent_event(payment)

    response = deliver(event)

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    order = order_of(payment)
    assert order.status == Order.Status.PAID
    assert order.paid_at.timestamp() == event["created"]  # when Stripe took the money
    assert paid_events(order) == 1
    assert WebhookEvent.objects.get().event_id == event["id"]


def test_a_replayed_event_changes_nothing(alipay_payment, deliver):
    event = intent_event(alipay_payment)

    first, second = deliver(event), deliver(event)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == b"already processed"
    assert WebhookEvent.objects.count() == 1
    assert paid_events(order_of(alipay_payment)) == 1


def test_a_wrong_amount_is_flagged_for_review_and_does_not_pay(alipay_payment, deliver):
    response = deliver(intent_event(alipay_payment, amount=alipay_payment.amount_fen - 1))

    assert response.status_code == 200
    order = order_of(alipay_payment)
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.needs_review
    assert paid_events(order) == 0
    assert WebhookEvent.objects.get().outcome == (
        "payment succeeded; order awaiting_payment, needs review"
    )


def test_a_wrong_currency_is_flagged_for_review_and_does_not_pay(wechat_payment, deliver):
    deliver(intent_event(wechat_payment, currency="usd"))

    order = order_of(wechat_payment)
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.needs_review


def test_money_for_an_order_expired_meanwhile_whose_stock_is_gone_is_flagged_for_review(
    alipay_payment, deliver, staff
):
    order = order_of(alipay_payment)
    lifecycle.expire_order(order_id=order.pk, now=order.expires_at + timedelta(minutes=1))
    # Someone else bought what the expiry gave back (tests/faults: when it is still there).
    for line in order.lines.all():
        inventory.mark_sold_out(variant_id=line.variant_id, actor=staff)

    response = deliver(intent_event(alipay_payment))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.needs_review
    assert "需要退款" in order.review_reason
    alipay_payment.refresh_from_db()
    assert alipay_payment.status == Payment.Status.SUCCEEDED  # the money did arrive


def test_a_failure_arriving_after_the_success_changes_nothing(alipay_payment, deliver):
    deliver(intent_event(alipay_payment))
    deliver(intent_event(alipay_payment, "payment_intent.payment_failed"))

    alipay_payment.refresh_from_db()
    assert alipay_payment.status == Payment.Status.SUCCEEDED
    assert order_of(alipay_payment).status == Order.Status.PAID
    assert WebhookEvent.objects.count() == 2


def test_a_success_after_a_failure_pays_the_order(alipay_payment, deliver):
    # The buyer retried on the same PaymentIntent after a first attempt failed.
    deliver(intent_event(alipay_payment, "payment_intent.payment_failed"))
    alipay_payment.refresh_from_db()
    assert alipay_payment.status == Payment.Status.FAILED
    assert alipay_payment.failure_message == "付款被拒绝"

    deliver(intent_event(alipay_payment))

    alipay_payment.refresh_from_db()
    assert alipay_payment.status == Payment.Status.SUCCEEDED
    assert order_of(alipay_payment).status == Order.Status.PAID


def test_the_payment_is_found_by_metadata_when_its_intent_id_was_not_saved(alipay_payment, deliver):
    event = intent_event(alipay_payment)
    Payment.objects.filter(pk=alipay_payment.pk).update(external_id=None)

    deliver(event)

    alipay_payment.refresh_from_db()
    assert alipay_payment.status == Payment.Status.SUCCEEDED
    assert alipay_payment.external_id == event["data"]["object"]["id"]


def test_metadata_naming_another_order_is_not_trusted(alipay_payment, deliver):
    event = intent_event(alipay_payment)
    event["data"]["object"]["metadata"]["order_number"] = "LG000000XXXXXX"
    Payment.objects.filter(pk=alipay_payment.pk).update(external_id=None)

    deliver(event)

    assert order_of(alipay_payment).status == Order.Status.AWAITING_PAYMENT
    assert WebhookEvent.objects.get().outcome == "unknown payment"


def test_an_event_for_an_unknown_payment_is_recorded_and_answered(alipay_payment, deliver, caplog):
    event = intent_event(alipay_payment)
    event["data"]["object"]["id"] = "pi_someone_else"
    event["data"]["object"]["metadata"] = {}

    with caplog.at_level(logging.WARNING, logger="shop.payments.stripe.webhooks"):
        response = deliver(event)

    assert response.status_code == 200  # so Stripe stops retrying
    assert WebhookEvent.objects.get().outcome == "unknown payment"
    assert "pi_someone_else" in caplog.text
    assert order_of(alipay_payment).status == Order.Status.AWAITING_PAYMENT


@pytest.mark.parametrize(
    ("event_type", "outcome"),
    [
        ("customer.created", "ignored"),
        ("charge.refunded", "ignored: refunds are applied by the refund flow"),
    ],
)
def test_other_events_are_recorded_and_answered(deliver, event_type, outcome):
    event = {
        "id": "evt_other",
        "object": "event",
        "created": int(time.time()),
        "type": event_type,
        "data": {"object": {"id": "obj_1", "object": event_type.split(".")[0]}},
    }

    assert deliver(event).status_code == 200
    record = WebhookEvent.objects.get()
    assert (record.event_type, record.outcome) == (event_type, outcome)


def refund_event(refund_id: str, event_type: str = "refund.failed", **fields) -> dict:
    return {
        "id": f"evt_{event_type}_{refund_id}",
        "object": "event",
        "created": int(time.time()),
        "type": event_type,
        "data": {
            "object": {
                "id": refund_id,
                "object": "refund",
                "status": "failed",
                "failure_reason": "expired_or_canceled_card",
                **fields,
            }
        },
    }


@pytest.fixture
def accepted_refund(alipay_payment) -> Refund:
    """A whole-order refund Stripe accepted (pending) and the shop applied."""
    services.payment_succeeded(
        payment_id=alipay_payment.pk,
        amount_fen=alipay_payment.amount_fen,
        external_id=alipay_payment.external_id,
    )
    refund = request_refund(
        order_id=alipay_payment.order_id, actor=add_staff(TOWNSHIP_EDITOR), reason="退货"
    )
    return execute_refund(refund_id=refund.pk)


@pytest.mark.parametrize("event_type", ["refund.failed", "refund.updated", "charge.refund.updated"])
def test_a_refund_failing_after_stripe_accepted_it_flags_the_order(
    accepted_refund, deliver, event_type
):
    assert accepted_refund.status == Refund.Status.SUCCEEDED

    response = deliver(refund_event(accepted_refund.external_id, event_type))

    assert response.status_code == 200
    accepted_refund.refresh_from_db()
    assert accepted_refund.failed_at_gateway
    order = Order.objects.get(pk=accepted_refund.order_id)
    assert order.needs_review
    assert "expired_or_canceled_card" in order.review_reason
    assert WebhookEvent.objects.get().outcome == (
        "refund failed at Stripe: expired_or_canceled_card; order flagged for review"
    )


def test_a_refund_failure_takes_effect_once(accepted_refund, deliver):
    event = refund_event(accepted_refund.external_id)

    deliver(event)
    assert deliver(event).content == b"already processed"
    # The same failure told again by another event changes nothing either.
    again = deliver(refund_event(accepted_refund.external_id, "charge.refund.updated"))

    assert again.content == b"refund failed at Stripe: expired_or_canceled_card; already recorded"

    flags = OrderEvent.objects.filter(order=accepted_refund.order, kind="flagged_for_review")
    assert flags.count() == 1


def test_a_refund_that_is_still_pending_is_not_a_failure(accepted_refund, deliver):
    deliver(refund_event(accepted_refund.external_id, "refund.updated", status="pending"))

    accepted_refund.refresh_from_db()
    assert not accepted_refund.failed_at_gateway
    assert not Order.objects.get(pk=accepted_refund.order_id).needs_review


def test_an_unknown_refund_failing_is_recorded_and_logged(deliver, caplog):
    with caplog.at_level(logging.WARNING, logger="shop.payments.stripe.webhooks"):
        response = deliver(refund_event("re_made_in_the_dashboard"))

    assert response.status_code == 200
    assert "re_made_in_the_dashboard" in caplog.text
    assert WebhookEvent.objects.get().outcome == (
        "refund failed at Stripe: expired_or_canceled_card; unknown refund"
    )


def test_if_applying_fails_the_event_is_not_recorded_so_the_retry_applies_it(
    alipay_payment, deliver, monkeypatch
):
    event = intent_event(alipay_payment)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(services, "payment_succeeded", broken)
        with pytest.raises(RuntimeError):  # a 500 for Stripe, which retries
            deliver(event)
    assert not WebhookEvent.objects.exists()

    assert deliver(event).status_code == 200
    assert order_of(alipay_payment).status == Order.Status.PAID


# Requests that are not genuine, well-formed events: 400, nothing written.


def assert_nothing_written(payment: Payment) -> None:
    assert not WebhookEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert order_of(payment).status == Order.Status.AWAITING_PAYMENT


def test_a_bad_signature_is_refused(alipay_payment, deliver):
    payload = json.dumps(intent_event(alipay_payment))

    response = deliver(payload, signature=sign(payload, secret="whsec_someone_else"))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"invalid signature"
    assert_nothing_written(alipay_payment)


def test_a_body_changed_after_signing_is_refused(alipay_payment, deliver):
    payload = json.dumps(intent_event(alipay_payment))
    tampered = payload.replace(
        f'"amount_received": {alipay_payment.amount_fen}', '"amount_received": 1'
    )

    assert deliver(tampered, signature=sign(payload)).status_code == 400
    assert_nothing_written(alipay_payment)


def test_a_stale_signature_is_refused(alipay_payment, deliver):
    payload = json.dumps(intent_event(alipay_payment))

    response = deliver(payload, signature=sign(payload, timestamp=int(time.time()) - 301))

    assert response.status_code == 400
    assert_nothing_written(alipay_payment)


def test_a_signature_from_the_future_is_refused(alipay_payment, deliver):
    # Signed for later, it would pass the SDK's five-minute check until long after.
    payload = json.dumps(intent_event(alipay_payment))

    response = deliver(payload, signature=sign(payload, timestamp=int(time.time()) + 3600))

    assert response.status_code == 400
    assert response.content == b"invalid signature"
    assert_nothing_written(alipay_payment)


def test_a_signature_just_past_the_allowed_clock_skew_is_refused(alipay_payment, deliver):
    payload = json.dumps(intent_event(alipay_payment))

    response = deliver(
        payload, signature=sign(payload, timestamp=int(time.time()) + CLOCK_SKEW_SECONDS + 5)
    )

    assert response.status_code == 400
    assert_nothing_written(alipay_payment)


def test_a_signature_a_little_ahead_of_our_clock_is_accepted(alipay_payment, deliver):
    payload = json.dumps(intent_event(alipay_payment))

    response = deliver(payload, signature=sign(payload, timestamp=int(time.time()) + 60))

    assert response.status_code == 200
    assert order_of(alipay_payment).status == Order.Status.PAID


@pytest.mark.parametrize("signature", ["", "garbage", "t=notanumber,v1=abc", "t=1,v0=abc"])
def test_a_missing_or_unreadable_signature_is_refused(alipay_payment, deliver, signature):
    response = deliver(json.dumps(intent_event(alipay_payment)), signature=signature)

    assert response.status_code == 400
    assert_nothing_written(alipay_payment)


@pytest.mark.parametrize(
    "payload",
    ['{"id": "evt_1", "type": "payment_intent.succeeded"', "[]", '{"id": "evt_1"}', "not json"],
)
def test_a_malformed_body_is_refused_even_when_signed(deliver, payload):
    response = deliver(payload)

    assert response.status_code == 400
    assert response.content == b"malformed payload"
    assert not WebhookEvent.objects.exists()


def test_a_body_that_is_not_utf8_is_refused(stripe_keys):
    response = Client().post(
        WEBHOOK_URL,
        data=b"\xff\xfe{}",
        content_type="application/json",
        headers={"Stripe-Signature": "t=1,v1=abc"},
    )

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_only_post_is_allowed(stripe_keys, client):
    assert client.get(WEBHOOK_URL).status_code == 405


def test_the_webhook_needs_no_csrf_token(alipay_payment, deliver):
    client = Client(enforce_csrf_checks=True)

    assert deliver(intent_event(alipay_payment), client=client).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_event_delivered_concurrently_takes_effect_once(on_stub, stripe_order, deliver):
    assert connection.vendor == "postgresql"
    payment, _start = start_payment(order=stripe_order, method="alipay")
    event = intent_event(payment)
    deliveries = 8
    start = threading.Barrier(deliveries)
    answers: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def post() -> None:
        try:
            start.wait()
            response = deliver(event)
            with lock:
                answers.append((response.status_code, response.content))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(deliveries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _body in answers] == [200] * deliveries
    bodies = sorted(body for _status, body in answers)
    assert bodies == [b"already processed"] * (deliveries - 1) + [b"payment succeeded; order paid"]
    assert WebhookEvent.objects.count() == 1
    assert paid_events(order_of(payment)) == 1
