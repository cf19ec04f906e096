"""Alipay and WeChat Pay start (server-side confirmation), the payment pages and
what we send Stripe, against the recorded-response stub."""

import socket

import pytest
from django.urls import reverse

from core.roles import TOWNSHIP_EDITOR
from shop.orders.models import Order
from shop.payments.gateway import PaymentError
from shop.payments.models import Payment, Refund
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import payment_succeeded, start_payment
from tests.township import add_staff

pytestmark = pytest.mark.django_db


def test_alipay_is_confirmed_on_the_server_and_sends_the_buyer_to_alipay(
    on_stub, stripe_order, settings
):
    settings.WAGTAILADMIN_BASE_URL = "https://shop.example.cn"
    payment, start = start_payment(order=stripe_order, method="alipay")

    [request] = on_stub.intent_requests()
    assert request.form == {
        "amount": str(stripe_order.total_fen),
        "currency": "cny",
        "payment_method_types[0]": "alipay",
        "metadata[order_number]": stripe_order.number,
        "metadata[payment_id]": str(payment.pk),
        "confirm": "true",
        "payment_method_data[type]": "alipay",
        "return_url": f"https://shop.example.cn/payments/stripe/{payment.pk}/return/",
    }
    assert request.headers["Idempotency-Key"] == payment.idempotency_key
    assert payment.external_id == on_stub.intents.popitem()[0]
    assert start.redirect_url.startswith("https://hooks.stripe.com/redirect/authenticate/")


def test_ten_clicks_on_pay_ask_stripe_with_one_idempotency_key(on_stub, stripe_order):
    payments = {start_payment(order=stripe_order, method="alipay")[0] for _ in range(10)}

    [payment] = payments
    keys = {request.headers["Idempotency-Key"] for request in on_stub.intent_requests()}
    assert keys == {payment.idempotency_key}  # Stripe answers each repeat with the same intent


def test_wechat_pay_is_confirmed_on_the_server_for_a_qr_code(on_stub, stripe_order):
    payment, start = start_payment(order=stripe_order, method="wechat_pay")

    [request] = on_stub.intent_requests()
    assert request.form["payment_method_data[type]"] == "wechat_pay"
    assert request.form["payment_method_options[wechat_pay][client]"] == "web"
    assert request.form["confirm"] == "true"
    assert "return_url" not in request.form
    assert start.redirect_url == reverse("stripe_payment", args=[payment.pk])


def test_the_wechat_page_shows_the_qr_code_to_scan(wechat_payment, buyer_client):
    response = buyer_client.get(reverse("stripe_payment", args=[wechat_payment.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="data:image/png;base64,' in html
    assert "扫一扫" in html
    assert "js.stripe.com" not in html  # Stripe.js only where a card is typed


def test_coming_back_to_an_alipay_payment_goes_to_alipay_again(alipay_payment, buyer_client):
    response = buyer_client.get(reverse("stripe_payment", args=[alipay_payment.pk]))

    assert response.status_code == 302
    assert response.url.startswith("https://hooks.stripe.com/redirect/authenticate/")


def test_the_buyer_can_switch_to_another_method(wechat_payment, buyer_client):
    response = buyer_client.post(
        reverse("stripe_payment", args=[wechat_payment.pk]), {"method": "alipay"}
    )

    alipay = Payment.objects.get(order=wechat_payment.order, method="alipay")
    assert response.status_code == 302
    assert response.url.startswith("https://hooks.stripe.com/redirect/authenticate/")
    assert alipay.external_id != wechat_payment.external_id


def test_an_unknown_method_is_refused(wechat_payment, buyer_client):
    response = buyer_client.post(
        reverse("stripe_payment", args=[wechat_payment.pk]), {"method": "bitcoin"}, follow=True
    )

    assert "不支持该支付方式" in response.content.decode()
    assert Payment.objects.filter(order=wechat_payment.order).count() == 1


def test_when_stripe_refuses_to_start_the_buyer_is_told_and_the_next_try_starts_afresh(
    on_stub, stripe_order
):
    on_stub.error = "Amount must convert to at least 400 fen."

    with pytest.raises(PaymentError):
        start_payment(order=stripe_order, method="alipay")

    refused = Payment.objects.get(order=stripe_order)
    assert refused.status == Payment.Status.FAILED
    retried, _start = start_payment(order=stripe_order, method="alipay")
    assert retried.pk != refused.pk
    assert retried.idempotency_key != refused.idempotency_key


def back_from_stripe(payment: Payment, client, **query: str):
    return client.get(reverse("stripe_return", args=[payment.pk]), query, follow=True)


@pytest.mark.parametrize("status", ["succeeded", "failed"])
def test_the_return_page_does_not_believe_its_query_string(alipay_payment, buyer_client, status):
    response = back_from_stripe(alipay_payment, buyer_client, redirect_status=status)

    assert response.redirect_chain[-1][0] == reverse(
        "order_detail", args=[alipay_payment.order.number]
    )
    assert "确认到账后" in response.content.decode()  # Stripe says it awaits the buyer
    alipay_payment.refresh_from_db()
    assert alipay_payment.status == Payment.Status.PENDING
    assert order_status(alipay_payment) == Order.Status.AWAITING_PAYMENT


def test_a_buyer_back_before_the_webhook_sees_the_order_paid(on_stub, alipay_payment, buyer_client):
    on_stub.settle(alipay_payment.external_id)

    response = back_from_stripe(alipay_payment, buyer_client)

    assert "付款成功" in response.content.decode()
    assert order_status(alipay_payment) == Order.Status.PAID


def test_a_buyer_back_from_a_failed_attempt_is_told_so(on_stub, alipay_payment, buyer_client):
    on_stub.decline(alipay_payment.external_id, "The customer canceled the payment.")

    response = back_from_stripe(alipay_payment, buyer_client, redirect_status="succeeded")

    assert "付款未成功" in response.content.decode()
    alipay_payment.refresh_from_db()
    assert alipay_payment.status == Payment.Status.FAILED


def test_when_stripe_does_not_answer_the_buyer_is_told_what_we_know(
    on_stub, alipay_payment, buyer_client
):
    on_stub.refuse_key = True

    response = back_from_stripe(alipay_payment, buyer_client)

    assert response.status_code == 200
    assert "确认到账后" in response.content.decode()


def test_the_payment_page_of_a_payment_stripe_took_records_it(
    on_stub, wechat_payment, buyer_client
):
    on_stub.settle(wechat_payment.external_id)

    response = buyer_client.get(reverse("stripe_payment", args=[wechat_payment.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "order_detail", args=[wechat_payment.order.number]
    )
    assert "付款成功" in response.content.decode()
    assert order_status(wechat_payment) == Order.Status.PAID


def test_the_payment_page_of_a_canceled_intent_says_to_pay_again(
    on_stub, wechat_payment, buyer_client
):
    on_stub.intents[wechat_payment.external_id]["status"] = "canceled"

    response = buyer_client.get(reverse("stripe_payment", args=[wechat_payment.pk]), follow=True)

    assert "付款未成功，您可以重新付款" in response.content.decode()
    wechat_payment.refresh_from_db()
    assert wechat_payment.status == Payment.Status.FAILED


def test_the_return_page_is_only_for_the_buyer(alipay_payment, client):
    response = client.get(reverse("stripe_return", args=[alipay_payment.pk]))

    assert response.status_code == 404


def order_status(payment: Payment) -> str:
    return Order.objects.get(pk=payment.order_id).status


def test_a_refund_stripe_did_not_answer_stays_pending_and_is_sent_again_with_its_key(
    on_stub, alipay_payment, settings
):
    payment_succeeded(
        payment_id=alipay_payment.pk,
        amount_fen=alipay_payment.amount_fen,
        external_id=alipay_payment.external_id,
    )
    refund = request_refund(
        order_id=alipay_payment.order_id, actor=add_staff(TOWNSHIP_EDITOR), reason="退货"
    )
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{closed_port()}"  # Stripe out of reach

    with pytest.raises(PaymentError):
        execute_refund(refund_id=refund.pk)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING

    settings.STRIPE_API_BASE = on_stub.base_url
    assert execute_refund(refund_id=refund.pk).status == Refund.Status.SUCCEEDED
    [request] = [r for r in on_stub.requests if r.path == "/v1/refunds"]
    assert request.headers["Idempotency-Key"] == refund.idempotency_key


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_pending_refund_counts_as_done_and_carries_its_idempotency_key(on_stub, alipay_payment):
    payment_succeeded(
        payment_id=alipay_payment.pk,
        amount_fen=alipay_payment.amount_fen,
        external_id=alipay_payment.external_id,
    )
    refund = request_refund(
        order_id=alipay_payment.order_id, actor=add_staff(TOWNSHIP_EDITOR), reason="退货"
    )

    result = execute_refund(refund_id=refund.pk)

    assert result.status == Refund.Status.SUCCEEDED
    [request] = [r for r in on_stub.requests if r.path == "/v1/refunds"]
    assert request.headers["Idempotency-Key"] == refund.idempotency_key
    assert request.form == {
        "payment_intent": alipay_payment.external_id,
        "amount": str(refund.amount_fen),
    }
