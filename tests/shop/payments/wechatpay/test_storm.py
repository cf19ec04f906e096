"""A storm of WeChat Pay notifications: duplicated, reordered, concurrent, forged,
stale, from the future, of the wrong amount, for unknown orders. Whatever
arrives, no order is paid twice, no aid is accrued twice, and no answer is a
5xx (WeChat Pay would retry it for a day).

Aid accrual is counted in the aid ledger itself: the order's ``LineAccrual``
rows and its ledger entries, compared with those of an order paid by one
plain notification.
"""

import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from aid_accounting.accrual.models import LineAccrual
from aid_accounting.ledger.models import Entry
from shop.orders.checkout import place_order
from shop.orders.models import Order, OrderEvent
from shop.payments import expiry
from shop.payments.models import Payment, WebhookEvent
from shop.payments.services import start_payment
from tests.shop.payments.wechatpay.conftest import REFUND_NOTIFY_URL
from tests.shop.payments.wechatpay.fake import new_key
from tests.township import ADDRESS


def wechatpay_payment(tomato, bag) -> Payment:
    order = place_order(
        items=[(tomato.pk, 1), (bag.pk, 1)],
        email="buyer@example.com",
        address=ADDRESS,
        gateway="wechatpay",
    )
    payment, _start = start_payment(order=order, gateway="wechatpay", method="native")
    return payment


def paid_events(payment: Payment) -> int:
    return OrderEvent.objects.filter(order_id=payment.order_id, kind="paid").count()


def aid_records(payment: Payment) -> tuple[int, int]:
    """(line accruals, ledger entries) of the payment's order."""
    return (
        LineAccrual.objects.filter(line__order_id=payment.order_id).count(),
        Entry.objects.filter(order_line__order_id=payment.order_id).count(),
    )


@pytest.mark.django_db
def test_a_storm_of_notifications_pays_each_order_once(
    wechatpay, deliver, tomato, bag, tomato_rule
):
    plain, wrong, late, refunded = (wechatpay_payment(tomato, bag) for _ in range(4))
    for payment in (plain, late, refunded):
        wechatpay.pay(payment.merchant_reference)
    genuine = wechatpay.paid_notification(plain.merchant_reference)
    assert deliver(genuine).status_code == 204
    once = aid_records(plain)
    assert once[0] == 2 and once[1] > 0  # both lines accrued, with their ledger entries
    headers, body = genuine
    answers: list[tuple[str, int]] = []

    def send(label: str, notification, url: str = "/payments/wechatpay/notify/") -> None:
        answers.append((label, deliver(notification, url=url).status_code))

    for _copy in range(3):
        send("duplicate", genuine)
    send("same transaction, new id", wechatpay.paid_notification(plain.merchant_reference))
    closed_after = wechatpay.transaction(plain.merchant_reference) | {"trade_state": "CLOSED"}
    send("closed after paid", wechatpay.notification("TRANSACTION.SUCCESS", closed_after))
    send("forged", wechatpay.paid_notification(plain.merchant_reference, key=new_key()))
    send("tampered", (headers, body.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCESS" ')))
    stale, future = int(time.time()) - 301, int(time.time()) + 301
    send("stale", wechatpay.paid_notification(plain.merchant_reference, timestamp=stale))
    send("future", wechatpay.paid_notification(plain.merchant_reference, timestamp=future))
    # Of the wrong amount.
    short = wechatpay.pay(wrong.merchant_reference)
    short["amount"] |= {"total": wrong.amount_fen - 1, "payer_total": wrong.amount_fen - 1}
    send("wrong amount", wechatpay.notification("TRANSACTION.SUCCESS", short))
    # A refund made at the merchant platform, told before the payment it refunds.
    outside = wechatpay.refund_made_at_the_merchant_platform(refunded.merchant_reference, 100)
    refund_notification = wechatpay.refund_notification(outside)
    send("refund before payment", refund_notification, REFUND_NOTIFY_URL)
    send("payment after refund", wechatpay.paid_notification(refunded.merchant_reference))
    send("refund again", refund_notification, REFUND_NOTIFY_URL)
    # Paid at the last second, the order closed at expiry, then the notification.
    Order.objects.filter(pk=late.order_id).update(expires_at=timezone.now())
    assert expiry.expire_unpaid_orders() == 0  # the close finds the money: paid, not cancelled
    for _copy in range(2):
        send("paid after close", wechatpay.paid_notification(late.merchant_reference))
    stranger = short | {"out_trade_no": "LG000000XXXXXXP999999"}
    send("unknown order", wechatpay.notification("TRANSACTION.SUCCESS", stranger))

    assert not [answer for answer in answers if answer[1] >= 500]
    refused = {"forged", "tampered", "stale", "future"}
    assert {label for label, status in answers if status == 401} == refused
    assert [label for label, status in answers if status == 409] == ["refund before payment"]
    accepted = {label for label, _status in answers} - refused - {"refund before payment"}
    assert {label for label, status in answers if status == 204} == accepted
    assert [paid_events(p) for p in (plain, wrong, late, refunded)] == [1, 0, 1, 1]
    assert [aid_records(p) for p in (plain, wrong, late, refunded)] == [once, (0, 0), once, once]
    assert Payment.objects.get(pk=plain.pk).status == Payment.Status.SUCCEEDED
    assert Order.objects.get(pk=wrong.order_id).needs_review
    assert Order.objects.get(pk=refunded.order_id).needs_review


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_notification_delivered_twenty_times_at_once_takes_effect_once(
    wechatpay, deliver, tomato, bag, tomato_rule
):
    assert connection.vendor == "postgresql"
    reference, payment = wechatpay_payment(tomato, bag), wechatpay_payment(tomato, bag)
    for each in (reference, payment):
        wechatpay.pay(each.merchant_reference)
    deliver(wechatpay.paid_notification(reference.merchant_reference))
    notification = wechatpay.paid_notification(payment.merchant_reference)
    copies = 20
    start = threading.Barrier(copies)
    statuses: list[int] = []
    lock = threading.Lock()

    def post() -> None:
        try:
            start.wait()
            response = deliver(notification)
            with lock:
                statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [204] * copies
    assert WebhookEvent.objects.count() == 2  # the reference's and this one's
    assert paid_events(payment) == 1
    assert aid_records(payment) == aid_records(reference)
    assert aid_records(payment)[0] == 2
