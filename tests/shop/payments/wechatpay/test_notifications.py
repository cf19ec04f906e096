"""WeChat Pay's payment notifications: signed, encrypted, each applied at most once.

Notifications are built by the fake WeChat Pay exactly as WeChat Pay sends them
(AEAD_AES_256_GCM with the API v3 key, SHA256-RSA over timestamp, nonce and
body) and verified and decrypted by the SDK in our endpoint.
"""

import json
import logging
import time
from datetime import datetime, timedelta

import pytest
from django.test import Client

from shop.orders.models import Order, OrderEvent
from shop.payments import expiry, services
from shop.payments.gateway import Payer
from shop.payments.models import Payment, WebhookEvent
from shop.payments.services import start_payment
from tests.shop.payments.wechatpay.conftest import NOTIFY_URL
from tests.shop.payments.wechatpay.fake import new_key

pytestmark = pytest.mark.django_db


def order_of(payment: Payment) -> Order:
    return Order.objects.get(pk=payment.order_id)


def paid_events(order: Order) -> int:
    return OrderEvent.objects.filter(order=order, kind="paid").count()


@pytest.fixture
def payment(wechatpay, wechatpay_order) -> Payment:
    payment, _start = start_payment(order=wechatpay_order, gateway="wechatpay", method="native")
    return payment


@pytest.fixture
def paid(wechatpay, payment) -> dict:
    """The buyer has paid at WeChat Pay; the transaction as WeChat Pay has it."""
    return wechatpay.pay(payment.merchant_reference)


def test_a_paid_notification_pays_the_order(wechatpay, payment, paid, deliver):
    headers, body = wechatpay.paid_notification(payment.merchant_reference)

    response = deliver((headers, body))

    assert response.status_code == 204
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.external_id == paid["transaction_id"]
    order = order_of(payment)
    assert order.status == Order.Status.PAID
    assert order.paid_at == datetime.fromisoformat(paid["success_time"])  # WeChat Pay's time
    assert paid_events(order) == 1
    record = WebhookEvent.objects.get()
    assert (record.gateway, record.event_id) == ("wechatpay", json.loads(body)["id"])
    assert record.outcome == "payment succeeded; order paid"


def test_the_refund_address_takes_notifications_too(wechatpay, payment, paid, deliver):
    response = deliver(
        wechatpay.paid_notification(payment.merchant_reference),
        url="/payments/wechatpay/refund-notify/",
    )

    assert response.status_code == 204
    assert order_of(payment).status == Order.Status.PAID


def test_a_replayed_notification_changes_nothing(wechatpay, payment, paid, deliver):
    notification = wechatpay.paid_notification(payment.merchant_reference)

    first, second = deliver(notification), deliver(notification)

    assert (first.status_code, second.status_code) == (204, 204)
    assert WebhookEvent.objects.count() == 1
    assert paid_events(order_of(payment)) == 1


def test_a_second_notification_of_the_same_transaction_changes_nothing(
    wechatpay, payment, paid, deliver
):
    deliver(wechatpay.paid_notification(payment.merchant_reference))
    deliver(wechatpay.paid_notification(payment.merchant_reference))  # another id

    assert WebhookEvent.objects.count() == 2
    assert paid_events(order_of(payment)) == 1
    assert Payment.objects.get().external_id == paid["transaction_id"]


@pytest.mark.parametrize(
    ("amount", "currency"), [(-1, "CNY"), (+1, "CNY"), (0, "USD")], ids=["less", "more", "usd"]
)
def test_a_wrong_amount_or_currency_is_flagged_and_does_not_pay(
    wechatpay, payment, paid, deliver, amount, currency
):
    resource = paid | {
        "amount": paid["amount"]
        | {"total": payment.amount_fen + amount, "payer_total": payment.amount_fen + amount}
        | {"currency": currency}
    }

    response = deliver(wechatpay.notification("TRANSACTION.SUCCESS", resource))

    assert response.status_code == 204
    order = order_of(payment)
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.needs_review
    assert paid_events(order) == 0
    assert WebhookEvent.objects.get().outcome == (
        "payment succeeded; order awaiting_payment, needs review"
    )


def test_a_notification_for_an_unknown_order_is_recorded_and_answered(
    wechatpay, payment, paid, deliver, caplog
):
    resource = paid | {"out_trade_no": "LG000000XXXXXXP999999"}

    with caplog.at_level(logging.WARNING, logger="shop.payments.wechatpay.webhooks"):
        response = deliver(wechatpay.notification("TRANSACTION.SUCCESS", resource))

    assert response.status_code == 204  # so WeChat Pay stops sending it
    assert WebhookEvent.objects.get().outcome == "unknown payment"
    assert "LG000000XXXXXXP999999" in caplog.text
    assert order_of(payment).status == Order.Status.AWAITING_PAYMENT


def test_a_notification_for_another_merchant_is_not_ours(wechatpay, payment, paid, deliver):
    resource = paid | {"mchid": "1230000109"}

    deliver(wechatpay.notification("TRANSACTION.SUCCESS", resource))

    assert WebhookEvent.objects.get().outcome == "unknown payment"
    assert order_of(payment).status == Order.Status.AWAITING_PAYMENT


@pytest.mark.parametrize(
    ("trade_state", "status"),
    [("CLOSED", Payment.Status.FAILED), ("PAYERROR", Payment.Status.FAILED)]
    + [("NOTPAY", Payment.Status.PENDING), ("USERPAYING", Payment.Status.PENDING)],
)
def test_other_trade_states_fail_or_leave_the_payment(
    wechatpay, payment, deliver, trade_state, status
):
    resource = wechatpay.transaction(payment.merchant_reference) | {"trade_state": trade_state}

    assert deliver(wechatpay.notification("TRANSACTION.SUCCESS", resource)).status_code == 204

    payment.refresh_from_db()
    assert payment.status == status
    assert order_of(payment).status == Order.Status.AWAITING_PAYMENT


def test_money_arriving_after_the_order_was_closed_at_expiry_still_buys_it(
    wechatpay, payment, deliver
):
    order = order_of(payment)
    expiry.expire_unpaid_orders(now=order.expires_at + timedelta(minutes=1))  # closes it first
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert wechatpay.orders[payment.merchant_reference].trade_state == "CLOSED"
    # WeChat Pay would not take money on a closed order; had the buyer paid
    # just before, its late notification finds the payment failed here.
    wechatpay.orders[payment.merchant_reference].trade_state = "NOTPAY"
    wechatpay.pay(payment.merchant_reference)

    assert deliver(wechatpay.paid_notification(payment.merchant_reference)).status_code == 204

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert order_of(payment).status == Order.Status.PAID  # the stock was still there
    assert paid_events(order_of(payment)) == 1


def test_if_applying_fails_the_notification_is_not_recorded_so_the_retry_applies_it(
    wechatpay, payment, paid, deliver, monkeypatch
):
    notification = wechatpay.paid_notification(payment.merchant_reference)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(services, "payment_succeeded", broken)
        with pytest.raises(RuntimeError):  # a 500 for WeChat Pay, which retries
            deliver(notification)
    assert not WebhookEvent.objects.exists()

    assert deliver(notification).status_code == 204
    assert order_of(payment).status == Order.Status.PAID


# Requests that are not genuine, well-formed notifications: 4xx with WeChat Pay's
# FAIL body (so WeChat Pay retries), nothing written.


def assert_refused(response, payment: Payment, status: int = 401) -> None:
    assert response.status_code == status
    assert response.json()["code"] == "FAIL"
    assert not WebhookEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_forged_signature_is_refused(wechatpay, payment, paid, deliver):
    forged = wechatpay.paid_notification(payment.merchant_reference, key=new_key())

    assert_refused(deliver(forged), payment)


def test_a_body_changed_after_signing_is_refused(wechatpay, payment, paid, deliver):
    headers, body = wechatpay.paid_notification(payment.merchant_reference)
    data = json.loads(body)
    data["event_type"] = "TRANSACTION.SUCCESS "

    assert_refused(deliver((headers, json.dumps(data))), payment)


def test_a_resource_not_encrypted_with_our_key_is_refused(wechatpay, payment, paid, deliver):
    real_key = wechatpay.keys.apiv3_key
    wechatpay.keys.apiv3_key = "0" * 32
    try:
        notification = wechatpay.paid_notification(payment.merchant_reference)
    finally:
        wechatpay.keys.apiv3_key = real_key

    assert_refused(deliver(notification), payment)


@pytest.mark.parametrize("offset", [-301, +301], ids=["stale", "future"])
def test_a_timestamp_more_than_five_minutes_off_is_refused(
    wechatpay, payment, paid, deliver, offset
):
    notification = wechatpay.paid_notification(
        payment.merchant_reference, timestamp=int(time.time()) + offset
    )

    assert_refused(deliver(notification), payment)


@pytest.mark.parametrize(
    "header",
    [
        {"Wechatpay-Serial": "PUB_KEY_ID_SOMEONE_ELSE"},
        {"Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3"},
        {"Wechatpay-Timestamp": ""},
        {"Wechatpay-Signature": "not base64!"},
    ],
    ids=["serial", "type", "timestamp", "signature"],
)
def test_missing_or_unknown_signature_headers_are_refused(
    wechatpay, payment, paid, deliver, header
):
    headers, body = wechatpay.paid_notification(payment.merchant_reference)

    assert_refused(deliver((headers | header, body)), payment)


@pytest.mark.parametrize("body", ["not json", "[]", '{"id": "EV-1"}'])
def test_a_signed_body_that_is_not_a_notification_is_refused(wechatpay, payment, deliver, body):
    response = deliver((wechatpay.signed_headers(body), body))

    assert response.status_code in (400, 401)
    assert response.json()["code"] == "FAIL"
    assert not WebhookEvent.objects.exists()


def test_only_post_is_allowed(wechatpay, client):
    assert client.get(NOTIFY_URL).status_code == 405


def test_the_notification_needs_no_csrf_token(wechatpay, payment, paid, deliver):
    client = Client(enforce_csrf_checks=True)

    response = deliver(wechatpay.paid_notification(payment.merchant_reference), client=client)

    assert response.status_code == 204


def test_an_h5_payment_is_paid_by_its_notification(wechatpay, wechatpay_order, deliver):
    payment, _start = start_payment(
        order=wechatpay_order,
        gateway="wechatpay",
        method="h5",
        payer=Payer(device="phone", client_ip="203.0.113.7"),
    )
    wechatpay.pay(payment.merchant_reference)

    deliver(wechatpay.paid_notification(payment.merchant_reference))

    assert order_of(payment).status == Order.Status.PAID
