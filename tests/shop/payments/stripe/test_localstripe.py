"""Card payments and refunds with the official SDK against localstripe.

What Stripe.js does in the buyer's browser (attach the card, confirm) the tests
do with the SDK; the event localstripe then records is delivered to our webhook,
signed, as Stripe would deliver it.
"""

import json

import pytest
import stripe
from django.urls import reverse

from core.roles import TOWNSHIP_EDITOR
from shop.orders.models import Order, OrderEvent
from shop.payments.models import Payment, Refund, WebhookEvent
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import start_payment
from tests.shop.payments.stripe.conftest import WEBHOOK_URL
from tests.township import add_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def sdk(on_localstripe) -> stripe.StripeClient:
    """The test's own client, playing Stripe.js and the Dashboard."""
    return stripe.StripeClient(
        "sk_test_local", base_addresses={"api": on_localstripe.STRIPE_API_BASE}
    )


def recorded_event(sdk: stripe.StripeClient, event_type: str, intent_id: str) -> str:
    """The JSON body of the event localstripe recorded for the intent."""
    events = sdk.v1.events.list(params={"type": event_type, "limit": 100})
    for event in events.data:
        body = event.to_dict()
        if body["data"]["object"]["id"] == intent_id:
            return json.dumps(body)
    raise AssertionError(f"localstripe recorded no {event_type} for {intent_id}")


def pay_by_card(sdk: stripe.StripeClient, intent_id: str, card: str) -> None:
    # localstripe cannot confirm with a payment method (500): attach it first.
    sdk.v1.payment_intents.update(intent_id, params={"payment_method": card})
    sdk.v1.payment_intents.confirm(intent_id)


@pytest.fixture
def paid_by_card(sdk, stripe_order, deliver) -> Payment:
    payment, _start = start_payment(order=stripe_order, method="card")
    pay_by_card(sdk, payment.external_id, "pm_card_visa")
    response = deliver(recorded_event(sdk, "payment_intent.succeeded", payment.external_id))
    assert response.status_code == 200
    payment.refresh_from_db()
    return payment


def test_start_creates_a_cny_payment_intent_for_the_order_total(sdk, stripe_order):
    payment, start = start_payment(order=stripe_order, method="card")

    assert payment.external_id.startswith("pi_")
    assert start.redirect_url == reverse("stripe_payment", args=[payment.pk])
    assert start.client_secret.startswith(f"{payment.external_id}_secret_")
    intent = sdk.v1.payment_intents.retrieve(payment.external_id)
    assert (intent.amount, intent.currency) == (stripe_order.total_fen, "cny")
    assert intent.metadata.to_dict() == {
        "order_number": stripe_order.number,
        "payment_id": str(payment.pk),
    }
    assert intent.status == "requires_payment_method"  # the buyer's card comes in the browser


def test_a_card_payment_pays_the_order_when_stripe_reports_it(paid_by_card):
    order = Order.objects.get(pk=paid_by_card.order_id)

    assert paid_by_card.status == Payment.Status.SUCCEEDED
    assert paid_by_card.amount_fen == order.total_fen
    assert order.status == Order.Status.PAID
    assert not order.needs_review
    assert order.paid_at is not None
    event = WebhookEvent.objects.get()
    assert (event.gateway, event.event_type) == ("stripe", "payment_intent.succeeded")
    assert event.outcome == "payment succeeded; order paid"


def test_a_declined_card_fails_the_payment_and_keeps_the_order_and_its_stock(
    sdk, stripe_order, two_producers, deliver
):
    tomato, bag = two_producers
    payment, _start = start_payment(order=stripe_order, method="card")

    with pytest.raises(stripe.CardError) as declined:
        pay_by_card(sdk, payment.external_id, "pm_card_chargeCustomerFail")
    assert declined.value.code == "card_declined"
    response = deliver(recorded_event(sdk, "payment_intent.payment_failed", payment.external_id))

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_message == "Your card was declined."
    stripe_order.refresh_from_db()
    assert stripe_order.status == Order.Status.AWAITING_PAYMENT
    tomato.refresh_from_db()
    bag.refresh_from_db()
    assert (tomato.stock, bag.stock) == (10 - 3, 5 - 2)  # still reserved for the buyer


def test_a_refund_goes_through_the_api_and_gives_unshipped_stock_back(
    sdk, paid_by_card, two_producers
):
    tomato, bag = two_producers
    order = paid_by_card.order
    refund = request_refund(order_id=order.pk, actor=add_staff(TOWNSHIP_EDITOR), reason="质量问题")

    refund = execute_refund(refund_id=refund.pk)

    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.external_id.startswith("re_")
    at_stripe = sdk.v1.refunds.retrieve(refund.external_id)
    assert (at_stripe.amount, at_stripe.status) == (order.total_fen, "succeeded")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    tomato.refresh_from_db()
    bag.refresh_from_db()
    assert (tomato.stock, bag.stock) == (10, 5)


def test_a_partial_refund_refunds_that_amount_at_stripe(sdk, paid_by_card):
    order = paid_by_card.order
    line = order.lines.get(quantity=3)
    refund = request_refund(
        order_id=order.pk,
        actor=add_staff(TOWNSHIP_EDITOR),
        reason="一个坏了",
        line_id=line.pk,
        quantity=1,
    )

    refund = execute_refund(refund_id=refund.pk)

    assert refund.status == Refund.Status.SUCCEEDED
    assert sdk.v1.refunds.retrieve(refund.external_id).amount == line.unit_price_fen


def test_a_refund_stripe_refuses_is_recorded_as_failed(paid_by_card):
    # A payment Stripe does not know (say, made under another account).
    Payment.objects.filter(pk=paid_by_card.pk).update(external_id="pi_unknown")
    order = paid_by_card.order
    refund = request_refund(order_id=order.pk, actor=add_staff(TOWNSHIP_EDITOR), reason="质量问题")

    refund = execute_refund(refund_id=refund.pk)

    assert refund.status == Refund.Status.FAILED
    assert refund.external_id is None
    assert OrderEvent.objects.get(order=order, kind="refund_failed").note == "Not Found"
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (Order.Status.PAID, 0)


def test_the_card_page_loads_stripe_js_with_the_client_secret(sdk, stripe_order, buyer_client):
    payment, start = start_payment(order=stripe_order, method="card")

    response = buyer_client.get(start.redirect_url)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="https://js.stripe.com/v3/"' in html
    assert f'data-client-secret="{start.client_secret}"' in html
    assert 'data-publishable-key="pk_test_local"' in html
    assert reverse("stripe_return", args=[payment.pk]) in html


def test_the_card_page_is_only_for_the_buyer(sdk, stripe_order, client):
    _payment, start = start_payment(order=stripe_order, method="card")

    assert client.get(start.redirect_url).status_code == 404


def test_the_card_page_of_a_paid_order_goes_back_to_the_order(paid_by_card, buyer_client):
    response = buyer_client.get(reverse("stripe_payment", args=[paid_by_card.pk]))

    assert response.status_code == 302
    assert response.url == reverse("order_detail", args=[paid_by_card.order.number])


def test_the_webhook_is_at_its_fixed_address():
    assert reverse("stripe_webhook") == WEBHOOK_URL
