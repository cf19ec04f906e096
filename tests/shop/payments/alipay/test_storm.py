"""A payment storm: Alipay's notifications for many orders, repeated, reordered, of the
wrong amount, for orders we do not know, forged and stale, delivered one after another
in a shuffled order and (on PostgreSQL) all at once. Whatever the order of arrival,
no order is paid twice, no aid is accrued twice and no answer is a server error."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection, connections
from django.test import Client

from aid_accounting.accrual.models import LineAccrual
from aid_accounting.audit.reconcile import reconcile
from aid_accounting.ledger.posting import balance, pool_account
from shop.orders.checkout import place_order
from shop.orders.models import Order, OrderEvent
from shop.payments.models import Payment, WebhookEvent
from shop.payments.services import start_payment
from tests.shop.payments.alipay.conftest import open_cashier
from tests.shop.payments.alipay.fake import BEIJING, beijing, yuan
from tests.township import ADDRESS

PAID, WRONG_AMOUNT, NEVER_PAID = range(4), 4, 5
TOMATO_AID_FEN = 995  # 25% of one ¥39.80 box


def paid_events(order_id: int) -> int:
    return OrderEvent.objects.filter(order_id=order_id, kind="paid").count()


@pytest.fixture
def storm_payments(on_fake, tomato, tomato_rule) -> list[Payment]:
    """Six orders of one tomato box, each with its cashier opened at Alipay."""
    payments = []
    for _ in range(6):
        order = place_order(
            items=[(tomato.pk, 1)], email="buyer@example.com", address=ADDRESS, gateway="alipay"
        )
        payment, start = start_payment(order=order, gateway="alipay", method="page")
        open_cashier(start.redirect_url)
        payments.append(payment)
    return payments


def storm(fake, payments: list[Payment], stranger) -> tuple[list[dict], list[dict]]:
    """(genuine, refused) notifications: four orders paid, each notified three times
    plus TRADE_FINISHED; one paid the wrong amount, twice; one for an order we do not
    know; forged and stale successes for the order never paid."""
    genuine, refused = [], []
    for index in PAID:
        trade = fake.pay(payments[index].merchant_reference)
        genuine += [fake.notification(trade)] * 3
        genuine.append(fake.notification(trade, trade_status="TRADE_FINISHED"))
    short = fake.pay(payments[WRONG_AMOUNT].merchant_reference)
    genuine += [fake.notification(short, total_amount=yuan(short.amount_fen - 1))] * 2
    first = fake.trades[payments[0].merchant_reference]
    genuine.append(fake.notification(first, out_trade_no="LG000000XXXXXXP999999"))
    unpaid = fake.trades[payments[NEVER_PAID].merchant_reference]
    success = {"trade_status": "TRADE_SUCCESS", "gmt_payment": beijing(datetime.now(BEIJING))}
    refused += [fake.notification(unpaid, signer=stranger, **success)] * 3
    stale = beijing(datetime.now(BEIJING) - timedelta(days=2))
    refused.append(fake.notification(unpaid, notify_time=stale, **success))
    return genuine, refused


def post(notification: dict) -> tuple[int, bytes]:
    response = Client().post(
        "/payments/alipay/notify/",
        data=urlencode(notification),
        content_type="application/x-www-form-urlencoded",
    )
    return response.status_code, response.content


def assert_the_storm_left_everything_right(
    payments: list[Payment], answers: list[tuple[int, bytes]], *, genuine: int, refused: int
) -> None:
    assert [status for status, _ in answers if status >= 500] == []
    assert sorted(body for _, body in answers) == [b"fail"] * refused + [b"success"] * genuine
    orders = {p.pk: Order.objects.get(pk=p.order_id) for p in payments}
    for index in PAID:
        payment = Payment.objects.get(pk=payments[index].pk)
        assert payment.status == Payment.Status.SUCCEEDED
        assert orders[payment.pk].status == Order.Status.PAID
    assert [paid_events(p.order_id) for p in payments] == [1, 1, 1, 1, 0, 0]  # never twice
    short = orders[payments[WRONG_AMOUNT].pk]
    assert (short.status, short.needs_review) == (Order.Status.AWAITING_PAYMENT, True)
    never = Payment.objects.get(pk=payments[NEVER_PAID].pk)
    assert never.status == Payment.Status.PENDING
    assert orders[never.pk].status == Order.Status.AWAITING_PAYMENT
    # Each paid order accrued its aid once: one accrual per line, the pool's share once.
    assert LineAccrual.objects.count() == len(PAID)
    pool = LineAccrual.objects.first().pool
    assert balance(pool_account(pool)) == TOMATO_AID_FEN * len(PAID)
    assert reconcile().ok
    # One row per notification: 4 × (success, finished) + the short one + the unknown one.
    assert WebhookEvent.objects.filter(gateway="alipay").count() == len(PAID) * 2 + 2


@pytest.mark.django_db
def test_a_storm_delivered_in_any_order_pays_each_order_once(on_fake, storm_payments, alipay_keys):
    genuine, refused = storm(on_fake, storm_payments, alipay_keys.stranger)
    notifications = genuine + refused
    random.Random(20261207).shuffle(notifications)

    answers = [post(notification) for notification in notifications]

    assert_the_storm_left_everything_right(
        storm_payments, answers, genuine=len(genuine), refused=len(refused)
    )


def deliver_at_once(notifications: list[dict]) -> list[tuple[int, bytes]]:
    start = threading.Barrier(len(notifications))

    def deliver(notification: dict) -> tuple[int, bytes]:
        try:
            start.wait()
            return post(notification)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(notifications)) as pool:
        return list(pool.map(deliver, notifications))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_storm_delivered_all_at_once_pays_each_order_once(on_fake, storm_payments, alipay_keys):
    assert connection.vendor == "postgresql"
    genuine, refused = storm(on_fake, storm_payments, alipay_keys.stranger)
    notifications = genuine + refused
    random.Random(7).shuffle(notifications)

    answers = deliver_at_once(notifications)

    assert_the_storm_left_everything_right(
        storm_payments, answers, genuine=len(genuine), refused=len(refused)
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_copies_of_one_notification_at_once_take_effect_once(
    on_fake, storm_payments, tomato_rule
):
    assert connection.vendor == "postgresql"
    payment = storm_payments[0]
    notification = on_fake.notification(on_fake.pay(payment.merchant_reference))

    answers = deliver_at_once([notification] * 20)

    assert answers == [(200, b"success")] * 20
    records = WebhookEvent.objects.filter(gateway="alipay")
    assert [record.outcome for record in records] == ["payment succeeded; order paid"]
    assert paid_events(payment.order_id) == 1
    assert LineAccrual.objects.count() == 1
    assert balance(pool_account(tomato_rule.pool)) == TOMATO_AID_FEN
