"""Asking Stripe how a payment stands (查单) and closing it (关单): against the
recorded-response stub, and a card payment's close against localstripe."""

from datetime import UTC, datetime

import pytest
import stripe

from shop.orders.models import Order
from shop.payments.gateway import GatewayPayment, PaymentError
from shop.payments.models import Payment
from shop.payments.services import record_gateway_state, start_payment, sync_payment
from shop.payments.stripe.gateway import StripeGateway

pytestmark = pytest.mark.django_db

PAID_AT = 1_780_000_000  # when the stub's Stripe took the money


def order_of(payment: Payment) -> Order:
    return Order.objects.get(pk=payment.order_id)


def test_a_payment_awaiting_the_buyer_is_pending(alipay_payment):
    state = StripeGateway().query(payment=alipay_payment)

    assert state == GatewayPayment(status="pending", external_id=alipay_payment.external_id)


def test_a_succeeded_intent_gives_what_was_received_and_when_it_was_charged(
    on_stub, alipay_payment
):
    on_stub.now = PAID_AT
    on_stub.settle(alipay_payment.external_id)
    on_stub.now = PAID_AT + 600  # asked ten minutes later

    state = StripeGateway().query(payment=alipay_payment)

    assert state == GatewayPayment(
        status="succeeded",
        amount_fen=alipay_payment.amount_fen,
        currency="cny",
        external_id=alipay_payment.external_id,
        paid_at=datetime.fromtimestamp(PAID_AT, tz=UTC),
    )
    [request] = [r for r in on_stub.requests if r.method == "GET"]
    assert request.form == {"expand[0]": "latest_charge"}


def test_a_failed_attempt_fails_with_stripes_message(on_stub, wechat_payment):
    on_stub.decline(wechat_payment.external_id, "The payment was declined by WeChat Pay.")

    state = StripeGateway().query(payment=wechat_payment)

    assert (state.status, state.message) == ("failed", "The payment was declined by WeChat Pay.")


def test_a_canceled_intent_is_closed(on_stub, alipay_payment):
    on_stub.intents[alipay_payment.external_id]["status"] = "canceled"

    assert StripeGateway().query(payment=alipay_payment).status == "closed"


def test_a_processing_intent_is_pending(on_stub, alipay_payment):
    on_stub.process(alipay_payment.external_id)

    assert StripeGateway().query(payment=alipay_payment).status == "pending"


def test_a_payment_without_an_intent_is_pending_and_stripe_is_not_asked(on_stub, alipay_payment):
    Payment.objects.filter(pk=alipay_payment.pk).update(external_id=None)
    alipay_payment.refresh_from_db()
    asked = len(on_stub.requests)

    assert StripeGateway().query(payment=alipay_payment) == GatewayPayment(status="pending")
    assert len(on_stub.requests) == asked


def test_a_query_stripe_refuses_raises_a_payment_error(on_stub, alipay_payment):
    on_stub.refuse_key = True

    with pytest.raises(PaymentError):
        StripeGateway().query(payment=alipay_payment)


def test_sync_records_a_success_the_webhook_has_not_brought_yet(on_stub, alipay_payment):
    on_stub.now = PAID_AT
    on_stub.settle(alipay_payment.external_id)

    payment = sync_payment(payment=alipay_payment)

    assert payment.status == Payment.Status.SUCCEEDED
    order = order_of(payment)
    assert order.status == Order.Status.PAID
    assert order.paid_at == datetime.fromtimestamp(PAID_AT, tz=UTC)


def test_sync_records_a_failure_with_its_message(on_stub, alipay_payment):
    on_stub.decline(alipay_payment.external_id, "付款被拒绝")

    payment = sync_payment(payment=alipay_payment)

    assert (payment.status, payment.failure_message) == (Payment.Status.FAILED, "付款被拒绝")
    assert order_of(payment).status == Order.Status.AWAITING_PAYMENT


# Closing (关单)


def test_closing_cancels_the_intent_at_stripe(on_stub, alipay_payment):
    state = StripeGateway().close(payment=alipay_payment)

    assert state.status == "closed"
    assert on_stub.intents[alipay_payment.external_id]["status"] == "canceled"
    [cancel] = [r for r in on_stub.requests if r.path.endswith("/cancel")]
    assert cancel.path == f"/v1/payment_intents/{alipay_payment.external_id}/cancel"


def test_closing_an_intent_paid_first_answers_succeeded_so_the_money_is_recorded(
    on_stub, alipay_payment
):
    on_stub.now = PAID_AT
    on_stub.settle(alipay_payment.external_id)

    state = StripeGateway().close(payment=alipay_payment)

    assert (state.status, state.amount_fen) == ("succeeded", alipay_payment.amount_fen)
    assert state.paid_at == datetime.fromtimestamp(PAID_AT, tz=UTC)
    record_gateway_state(payment_id=alipay_payment.pk, state=state)
    assert order_of(alipay_payment).status == Order.Status.PAID


def test_closing_a_processing_intent_answers_pending(on_stub, alipay_payment):
    on_stub.process(alipay_payment.external_id)

    state = StripeGateway().close(payment=alipay_payment)

    assert state.status == "pending"  # not closed: the money may still land
    assert on_stub.intents[alipay_payment.external_id]["status"] == "processing"


def test_closing_an_intent_already_canceled_answers_closed(on_stub, alipay_payment):
    StripeGateway().close(payment=alipay_payment)

    assert StripeGateway().close(payment=alipay_payment).status == "closed"


def test_closing_a_payment_without_an_intent_asks_nothing(on_stub, alipay_payment):
    Payment.objects.filter(pk=alipay_payment.pk).update(external_id=None)
    alipay_payment.refresh_from_db()
    asked = len(on_stub.requests)

    assert StripeGateway().close(payment=alipay_payment).status == "closed"
    assert len(on_stub.requests) == asked


def test_a_close_stripe_refuses_raises_a_payment_error(on_stub, alipay_payment):
    on_stub.refuse_key = True

    with pytest.raises(PaymentError):
        StripeGateway().close(payment=alipay_payment)


def test_closing_a_card_payment_cancels_it_at_localstripe(on_localstripe, stripe_order):
    payment, _start = start_payment(order=stripe_order, method="card")

    state = StripeGateway().close(payment=payment)

    assert state.status == "closed"
    sdk = stripe.StripeClient(
        "sk_test_local", base_addresses={"api": on_localstripe.STRIPE_API_BASE}
    )
    assert sdk.v1.payment_intents.retrieve(payment.external_id).status == "canceled"
