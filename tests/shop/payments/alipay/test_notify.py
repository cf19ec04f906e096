"""Alipay's asynchronous notification: signed by Alipay, for our app, recent, and each
taking effect once. The notifications are the fake's, signed with the test "Alipay" key."""

import logging
from datetime import datetime, timedelta

import pytest
from django.test import Client

from shop.orders.models import Order, OrderEvent
from shop.payments import services
from shop.payments.models import Payment, WebhookEvent
from tests.shop.payments.alipay.conftest import NOTIFY_URL
from tests.shop.payments.alipay.fake import BEIJING, beijing

pytestmark = pytest.mark.django_db


def order_of(payment: Payment) -> Order:
    return Order.objects.get(pk=payment.order_id)


def paid_events(order: Order) -> int:
    return OrderEvent.objects.filter(order=order, kind="paid").count()


@pytest.fixture
def paid_trade(page_payment, on_fake):
    """The buyer paid at the cashier five minutes ago; nothing has reached us yet."""
    return on_fake.pay(
        page_payment.merchant_reference, at=datetime.now(BEIJING) - timedelta(minutes=5)
    )


def test_a_trade_success_notification_pays_the_order(page_payment, paid_trade, on_fake, deliver):
    notification = on_fake.notification(paid_trade)

    response = deliver(notification)

    assert (response.status_code, response.content) == (200, b"success")
    assert response["Content-Type"].startswith("text/plain")
    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.SUCCEEDED
    assert page_payment.external_id == paid_trade.trade_no
    assert page_payment.amount_fen == 14920
    order = order_of(page_payment)
    assert order.status == Order.Status.PAID
    assert order.paid_at == paid_trade.paid_at.replace(microsecond=0)  # gmt_payment, Beijing time
    assert paid_events(order) == 1
    record = WebhookEvent.objects.get()
    assert (record.gateway, record.event_id) == ("alipay", notification["notify_id"])
    assert record.outcome == "payment succeeded; order paid"


def test_a_repeated_notification_changes_nothing(page_payment, paid_trade, on_fake, deliver):
    notification = on_fake.notification(paid_trade)

    first, second = deliver(notification), deliver(notification)

    assert (first.content, second.content) == (b"success", b"success")
    assert WebhookEvent.objects.get().outcome == "payment succeeded; order paid"
    assert paid_events(order_of(page_payment)) == 1


def test_trade_finished_after_trade_success_pays_once(page_payment, paid_trade, on_fake, deliver):
    # Alipay sends TRADE_FINISHED (a new notify_id) when the refund window ends.
    deliver(on_fake.notification(paid_trade, trade_status="TRADE_FINISHED"))
    deliver(on_fake.notification(paid_trade))

    assert WebhookEvent.objects.count() == 2
    assert paid_events(order_of(page_payment)) == 1
    assert order_of(page_payment).status == Order.Status.PAID


def test_a_wrong_amount_is_flagged_for_review_and_does_not_pay(
    page_payment, paid_trade, on_fake, deliver
):
    response = deliver(on_fake.notification(paid_trade, total_amount="149.19"))

    assert response.content == b"success"
    order = order_of(page_payment)
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.needs_review
    assert paid_events(order) == 0
    assert WebhookEvent.objects.get().outcome == (
        "payment succeeded; order awaiting_payment, needs review"
    )


def test_an_amount_is_read_exactly_in_fen(page_payment, paid_trade, on_fake, deliver):
    # 0.29 yuan is 28.999… as a float: read as a decimal it stays 29 fen.
    deliver(on_fake.notification(paid_trade, total_amount="0.29"))

    page_payment.refresh_from_db()
    assert page_payment.amount_fen == 29


def test_trade_closed_fails_the_pending_payment(page_payment, on_fake, deliver):
    trade = on_fake.trades[page_payment.merchant_reference]

    response = deliver(on_fake.notification(trade, trade_status="TRADE_CLOSED"))

    assert response.content == b"success"
    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.FAILED
    assert order_of(page_payment).status == Order.Status.AWAITING_PAYMENT
    assert WebhookEvent.objects.get().outcome == "payment closed"


def test_trade_closed_after_the_success_changes_nothing(page_payment, paid_trade, on_fake, deliver):
    deliver(on_fake.notification(paid_trade))
    deliver(on_fake.notification(paid_trade, trade_status="TRADE_CLOSED"))

    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.SUCCEEDED
    assert order_of(page_payment).status == Order.Status.PAID


def test_a_notification_for_an_unknown_order_is_recorded_answered_and_logged(
    page_payment, paid_trade, on_fake, deliver, caplog
):
    notification = on_fake.notification(paid_trade, out_trade_no="LG000000XXXXXXP999999")

    with caplog.at_level(logging.WARNING, logger="shop.payments.alipay.notify"):
        response = deliver(notification)

    assert response.content == b"success"  # so Alipay stops sending it
    assert WebhookEvent.objects.get().outcome == "unknown payment"
    assert "LG000000XXXXXXP999999" in caplog.text
    assert order_of(page_payment).status == Order.Status.AWAITING_PAYMENT


def test_a_reference_naming_our_payment_under_another_order_is_unknown(
    page_payment, paid_trade, on_fake, deliver
):
    other = f"LG000000XXXXXXP{page_payment.pk}"

    deliver(on_fake.notification(paid_trade, out_trade_no=other))

    assert WebhookEvent.objects.get().outcome == "unknown payment"
    assert order_of(page_payment).status == Order.Status.AWAITING_PAYMENT


def test_a_refund_made_in_alipays_console_flags_the_order(
    page_payment, paid_trade, on_fake, deliver
):
    deliver(on_fake.notification(paid_trade))

    response = deliver(on_fake.notification(paid_trade, refund_fee="20.00"))

    assert response.content == b"success"
    order = order_of(page_payment)
    assert order.needs_review
    assert "2000" in order.review_reason
    assert WebhookEvent.objects.last().outcome.endswith("needs review")


def test_a_full_refund_closing_a_trade_we_have_not_seen_paid_is_sent_again_later(
    page_payment, paid_trade, on_fake, deliver
):
    response = deliver(
        on_fake.notification(paid_trade, trade_status="TRADE_CLOSED", refund_fee="149.20")
    )

    assert (response.status_code, response.content) == (409, b"fail")
    assert not WebhookEvent.objects.exists()  # not recorded, so its repeat is applied
    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.PENDING


def test_if_applying_fails_the_notification_is_not_recorded_so_the_repeat_applies_it(
    page_payment, paid_trade, on_fake, deliver, monkeypatch
):
    notification = on_fake.notification(paid_trade)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(services, "payment_succeeded", broken)
        with pytest.raises(RuntimeError):  # a 500: Alipay sends it again
            deliver(notification)
    assert not WebhookEvent.objects.exists()

    assert deliver(notification).content == b"success"
    assert order_of(page_payment).status == Order.Status.PAID


# Requests that are not genuine, current, well-formed notifications: "fail", nothing written.


def assert_nothing_written(payment: Payment) -> None:
    assert not WebhookEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert order_of(payment).status == Order.Status.AWAITING_PAYMENT


def test_a_notification_signed_with_another_key_is_refused(
    page_payment, paid_trade, on_fake, deliver, alipay_keys
):
    response = deliver(on_fake.notification(paid_trade, signer=alipay_keys.stranger))

    assert (response.status_code, response.content) == (400, b"fail")
    assert_nothing_written(page_payment)


def test_a_notification_changed_after_signing_is_refused(
    page_payment, paid_trade, on_fake, deliver
):
    notification = on_fake.notification(paid_trade)
    notification["total_amount"] = "0.01"

    assert deliver(notification).content == b"fail"
    assert_nothing_written(page_payment)


@pytest.mark.parametrize(
    "change",
    [
        {"sign": ""},
        {"sign": "not base64 at all!"},
        {"sign_type": "RSA"},  # the SDK verifies RSA2 only
    ],
    ids=["unsigned", "garbage", "rsa1"],
)
def test_a_missing_or_unreadable_signature_is_refused(
    page_payment, paid_trade, on_fake, deliver, change
):
    notification = {**on_fake.notification(paid_trade), **change}

    assert deliver(notification).content == b"fail"
    assert_nothing_written(page_payment)


def test_a_notification_for_another_app_is_refused(page_payment, paid_trade, on_fake, deliver):
    response = deliver(on_fake.notification(paid_trade, app_id="2021000000009999"))

    assert response.content == b"fail"
    assert_nothing_written(page_payment)


@pytest.mark.parametrize(
    "sent", [timedelta(days=-1, minutes=-1), timedelta(minutes=30)], ids=["stale", "future"]
)
def test_a_notification_sent_more_than_a_day_ago_or_in_the_future_is_refused(
    page_payment, paid_trade, on_fake, deliver, sent
):
    notification = on_fake.notification(
        paid_trade, notify_time=beijing(datetime.now(BEIJING) + sent)
    )

    assert deliver(notification).content == b"fail"
    assert_nothing_written(page_payment)


def test_a_notification_sent_again_within_the_day_is_accepted(
    page_payment, paid_trade, on_fake, deliver
):
    notification = on_fake.notification(
        paid_trade, notify_time=beijing(datetime.now(BEIJING) - timedelta(hours=23))
    )

    assert deliver(notification).content == b"success"
    assert order_of(page_payment).status == Order.Status.PAID


@pytest.mark.parametrize(
    "change",
    [
        {"total_amount": "abc"},
        {"total_amount": ""},
        {"notify_id": ""},
        {"notify_time": "yesterday"},
    ],
    ids=["amount", "no-amount", "no-id", "time"],
)
def test_a_malformed_notification_is_refused_even_when_signed(
    page_payment, paid_trade, on_fake, deliver, change
):
    assert deliver(on_fake.notification(paid_trade, **change)).content == b"fail"
    assert_nothing_written(page_payment)


def test_only_post_is_allowed(on_fake, client):
    assert client.get(NOTIFY_URL).status_code == 405


def test_the_notify_address_needs_no_csrf_token(page_payment, paid_trade, on_fake, deliver):
    response = deliver(on_fake.notification(paid_trade), client=Client(enforce_csrf_checks=True))

    assert response.content == b"success"
