"""The page Alipay sends the buyer back to: it asks Alipay, never its own query string."""

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.utils import translation

from shop.orders import lifecycle
from shop.orders.models import Order
from shop.payments.models import Payment
from shop.payments.services import start_payment
from tests.shop.payments.alipay.conftest import path_and_query

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def queries(fake) -> list[str]:
    return [call.biz["out_trade_no"] for call in fake.calls if call.method == "alipay.trade.query"]


def test_back_from_paying_the_order_is_paid_by_alipays_answer(page_payment, on_fake, buyer_client):
    # The notification has not arrived (or never will): the query settles it.
    trade = on_fake.pay(page_payment.merchant_reference)

    response = buyer_client.get(path_and_query(on_fake.return_url_of(trade)))

    assert response.status_code == 302
    assert response["Location"] == f"/orders/{page_payment.order.number}/"
    assert queries(on_fake) == [page_payment.merchant_reference]
    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.SUCCEEDED
    assert page_payment.external_id == trade.trade_no
    assert Order.objects.get(pk=page_payment.order_id).status == Order.Status.PAID
    assert messages_of(response) == ["付款成功，感谢您的支持！"]


def test_a_signed_return_for_a_trade_alipay_says_is_unpaid_pays_nothing(
    page_payment, on_fake, buyer_client
):
    # A genuine return query string (as after paying), but Alipay's books say unpaid.
    trade = on_fake.trades[page_payment.merchant_reference]

    response = buyer_client.get(path_and_query(on_fake.return_url_of(trade)))

    assert queries(on_fake) == [page_payment.merchant_reference]
    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.PENDING
    assert messages_of(response) == ["付款已提交，确认到账后订单状态会自动更新。"]


def test_a_tampered_query_string_is_logged_still_asks_alipay_and_pays_nothing(
    page_payment, on_fake, buyer_client, caplog
):
    trade = on_fake.trades[page_payment.merchant_reference]
    query = {**on_fake.return_query(trade), "trade_status": "TRADE_SUCCESS", "total_amount": "0.01"}
    path = f"/payments/alipay/{page_payment.pk}/return/"

    with caplog.at_level(logging.WARNING, logger="shop.payments.alipay.views"):
        response = buyer_client.get(f"{path}?{urlencode(query)}")

    assert response.status_code == 302
    assert "no valid signature" in caplog.text
    assert queries(on_fake) == [page_payment.merchant_reference]
    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.PENDING


def test_a_genuine_return_is_not_logged_as_tampered(page_payment, on_fake, buyer_client, caplog):
    trade = on_fake.pay(page_payment.merchant_reference)

    with caplog.at_level(logging.WARNING, logger="shop.payments.alipay.views"):
        buyer_client.get(path_and_query(on_fake.return_url_of(trade)))

    assert "no valid signature" not in caplog.text


def test_a_payment_already_settled_is_not_asked_about_again(page_payment, on_fake, buyer_client):
    trade = on_fake.pay(page_payment.merchant_reference)
    buyer_client.get(path_and_query(on_fake.return_url_of(trade)), follow=True)

    response = buyer_client.get(path_and_query(on_fake.return_url_of(trade)))  # back, reloaded

    assert queries(on_fake) == [page_payment.merchant_reference]  # once
    assert messages_of(response) == ["付款成功，感谢您的支持！"]


def test_a_bare_return_still_learns_that_the_buyer_paid(page_payment, on_fake, buyer_client):
    on_fake.pay(page_payment.merchant_reference)

    buyer_client.get(f"/payments/alipay/{page_payment.pk}/return/")

    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.SUCCEEDED


def test_when_alipay_does_not_answer_the_buyer_is_told_it_is_being_confirmed(
    page_payment, on_fake, buyer_client
):
    trade = on_fake.pay(page_payment.merchant_reference)
    on_fake.down = True

    response = buyer_client.get(path_and_query(on_fake.return_url_of(trade)))

    assert response.status_code == 302
    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.PENDING
    assert messages_of(response) == ["付款已提交，确认到账后订单状态会自动更新。"]


def test_money_that_cannot_pay_the_order_is_announced_as_such(page_payment, on_fake, buyer_client):
    lifecycle.cancel(order_id=page_payment.order_id, actor=None, note="买家取消")
    trade = on_fake.pay(page_payment.merchant_reference)

    response = buyer_client.get(path_and_query(on_fake.return_url_of(trade)))

    assert "款项将原路退回" in messages_of(response)[0]


def test_someone_else_cannot_open_the_buyers_return_page(page_payment, on_fake, client):
    trade = on_fake.pay(page_payment.merchant_reference)

    response = client.get(path_and_query(on_fake.return_url_of(trade)))

    assert response.status_code == 404
    assert queries(on_fake) == []
    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.PENDING


def test_the_return_page_of_another_gateways_payment_does_not_exist(
    on_fake, alipay_order, buyer_client
):
    payment = Payment.objects.create(
        order=alipay_order, gateway="dummy", amount_fen=alipay_order.total_fen, idempotency_key="k"
    )

    assert buyer_client.get(f"/payments/alipay/{payment.pk}/return/").status_code == 404


def test_an_english_buyer_comes_back_to_the_english_site(on_fake, alipay_order):
    with translation.override("en"):
        payment, start = start_payment(order=alipay_order, gateway="alipay", method="page")

    params = dict(parse_qsl(urlsplit(start.redirect_url).query))
    assert params["return_url"].endswith(f"/en/payments/alipay/{payment.pk}/return/")
    assert params["notify_url"].endswith("/payments/alipay/notify/")  # fixed, no prefix
    assert "/en/" not in params["notify_url"]
