"""Queries (查单), closes (关单) and refunds against the fake Alipay, whose answers are
signed, so the SDK verifies each one."""

from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.utils import timezone

from shop.orders.models import Order
from shop.payments import expiry
from shop.payments.alipay.gateway import AlipayGateway
from shop.payments.gateway import PaymentError
from shop.payments.models import Payment, Refund
from shop.payments.refunds import execute_pending_refunds, execute_refund, request_refund
from shop.payments.services import start_payment, sync_payment
from tests.township import add_staff

pytestmark = pytest.mark.django_db


def methods_called(fake) -> list[str]:
    return [call.method for call in fake.calls]


# Queries


def test_before_the_buyer_opens_the_cashier_the_payment_is_pending(on_fake, alipay_order):
    payment, _start = start_payment(order=alipay_order, gateway="alipay", method="page")

    state = AlipayGateway().query(payment=payment)

    assert state.status == "pending"
    assert state.message == "ACQ.TRADE_NOT_EXIST"


def test_a_trade_waiting_for_the_buyer_is_pending(page_payment, on_fake):
    assert AlipayGateway().query(payment=page_payment).status == "pending"


def test_a_paid_trade_says_how_much_when_and_its_number(page_payment, on_fake):
    trade = on_fake.pay(page_payment.merchant_reference)

    state = AlipayGateway().query(payment=page_payment)

    assert state.status == "succeeded"
    assert state.amount_fen == 14920
    assert state.external_id == trade.trade_no
    assert state.paid_at == trade.paid_at.replace(microsecond=0)


def test_an_answer_not_signed_by_alipay_is_not_believed(page_payment, on_fake, alipay_keys):
    on_fake.pay(page_payment.merchant_reference)
    on_fake.alipay_keys = alipay_keys.stranger  # a man in the middle

    with pytest.raises(PaymentError):
        sync_payment(payment=page_payment)

    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.PENDING


def test_an_unreachable_alipay_raises_payment_error(page_payment, on_fake):
    on_fake.down = True

    with pytest.raises(PaymentError):
        AlipayGateway().query(payment=page_payment)


def test_a_request_alipay_cannot_verify_is_an_error_not_an_answer(page_payment, on_fake, settings):
    settings.ALIPAY_APP_ID = "2021000000009999"  # not the app whose key signs

    with pytest.raises(PaymentError):
        AlipayGateway().query(payment=page_payment)
    assert on_fake.refused == ["isv.invalid-app-id"]


# Closing when the order expires


def expire(order: Order) -> int:
    """The expiry sweep a minute after the order's payment window."""
    return expiry.expire_unpaid_orders(now=order.expires_at + timedelta(minutes=1))


def test_expiry_closes_a_payment_whose_cashier_was_never_opened(on_fake, alipay_order):
    payment, _start = start_payment(order=alipay_order, gateway="alipay", method="page")

    assert expire(alipay_order) == 1

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert Order.objects.get(pk=alipay_order.pk).status == Order.Status.CANCELLED


def test_expiry_closes_an_unpaid_trade_at_alipay_before_cancelling(page_payment, on_fake):
    assert expire(page_payment.order) == 1

    assert on_fake.trades[page_payment.merchant_reference].status == "TRADE_CLOSED"
    assert methods_called(on_fake)[-2:] == ["alipay.trade.close", "alipay.trade.query"]
    assert on_fake.pay(page_payment.merchant_reference).paid_at is None  # no money lands
    assert Order.objects.get(pk=page_payment.order_id).status == Order.Status.CANCELLED


def test_a_trade_paid_before_the_close_reached_alipay_pays_the_order(page_payment, on_fake):
    trade = on_fake.pay(page_payment.merchant_reference)

    assert expire(page_payment.order) == 0

    page_payment.refresh_from_db()
    assert page_payment.status == Payment.Status.SUCCEEDED
    assert page_payment.external_id == trade.trade_no
    assert Order.objects.get(pk=page_payment.order_id).status == Order.Status.PAID


def test_an_alipay_that_does_not_answer_keeps_the_order_for_the_next_sweep(page_payment, on_fake):
    on_fake.down = True
    assert expire(page_payment.order) == 0
    assert Order.objects.get(pk=page_payment.order_id).status == Order.Status.AWAITING_PAYMENT

    on_fake.down = False
    assert expire(page_payment.order) == 1


def test_closing_a_trade_twice_says_closed(page_payment, on_fake):
    AlipayGateway().close(payment=page_payment)

    assert AlipayGateway().close(payment=page_payment).status == "closed"


# Refunds


@pytest.fixture
def paid_payment(page_payment, on_fake) -> Payment:
    on_fake.pay(page_payment.merchant_reference)
    return sync_payment(payment=page_payment)


@contextmanager
def freeze_time_ahead(delta: timedelta):
    """The clock ``delta`` ahead, as the sweep will see it then."""
    ahead = timezone.now() + delta
    with patch("shop.payments.refunds.timezone.now", return_value=ahead):
        yield


def refund_one(order: Order, staff, *, quantity: int = 1) -> Refund:
    line = order.lines.get(quantity=3)  # the tomatoes, 39.80 each
    return request_refund(
        order_id=order.pk, actor=staff, reason="质量问题", line_id=line.pk, quantity=quantity
    )


def test_two_partial_refunds_are_two_requests_at_alipay(paid_payment, on_fake, staff):
    order = paid_payment.order
    first = execute_refund(refund_id=refund_one(order, staff).pk)
    second = execute_refund(refund_id=refund_one(order, staff, quantity=2).pk)

    assert (first.status, second.status) == (Refund.Status.SUCCEEDED, Refund.Status.SUCCEEDED)
    trade = on_fake.trades[paid_payment.merchant_reference]
    assert [(r.out_request_no, r.amount_fen) for r in trade.refunds] == [
        (first.merchant_reference, 3980),
        (second.merchant_reference, 7960),
    ]
    assert first.external_id == f"{trade.trade_no}:{first.merchant_reference}"
    refunds = [call.biz for call in on_fake.calls if call.method == "alipay.trade.refund"]
    assert refunds[0] == {
        "refund_amount": "39.80",
        "out_trade_no": paid_payment.merchant_reference,
        "out_request_no": first.merchant_reference,
    }
    order.refresh_from_db()
    assert order.refunded_fen == 3980 * 3


def test_a_refund_repeated_under_its_number_does_not_refund_twice(paid_payment, on_fake, staff):
    pending = refund_one(paid_payment.order, staff)
    # The process died after Alipay refunded and before we recorded it.
    assert AlipayGateway().refund(refund=pending).succeeded

    done = execute_refund(refund_id=pending.pk)

    assert done.status == Refund.Status.SUCCEEDED
    trade = on_fake.trades[paid_payment.merchant_reference]
    assert trade.refunded_fen == 3980  # once
    assert methods_called(on_fake)[-2:] == [
        "alipay.trade.refund",  # answered fund_change N
        "alipay.trade.fastpay.refund.query",  # which says it was made
    ]
    assert Order.objects.get(pk=paid_payment.order_id).refunded_fen == 3980


def test_a_refund_alipay_refuses_is_failed(paid_payment, on_fake, staff):
    # Past the refund window Alipay has finished the trade: it takes no refund.
    on_fake.trades[paid_payment.merchant_reference].status = "TRADE_FINISHED"

    refund = execute_refund(refund_id=refund_one(paid_payment.order, staff).pk)

    assert refund.status == Refund.Status.FAILED
    assert Order.objects.get(pk=paid_payment.order_id).refunded_fen == 0


def test_a_refund_alipay_did_not_answer_stays_pending_and_is_repeated_safely(
    paid_payment, on_fake, staff
):
    pending = refund_one(paid_payment.order, staff)
    on_fake.down = True

    with pytest.raises(PaymentError):
        execute_refund(refund_id=pending.pk)
    pending.refresh_from_db()
    assert pending.status == Refund.Status.PENDING

    on_fake.down = False
    assert execute_refund(refund_id=pending.pk).status == Refund.Status.SUCCEEDED
    assert on_fake.trades[paid_payment.merchant_reference].refunded_fen == 3980


def test_the_sweep_settles_a_refund_alipay_did_not_answer_once(paid_payment, on_fake, staff):
    pending = refund_one(paid_payment.order, staff)
    on_fake.down = True
    with pytest.raises(PaymentError):
        execute_refund(refund_id=pending.pk)
    later = timedelta(minutes=3)

    with freeze_time_ahead(later):
        assert execute_pending_refunds() == 0  # still down: kept for the next sweep
    on_fake.down = False
    assert execute_pending_refunds() == 0  # too recent: the request may still be running
    with freeze_time_ahead(later):
        assert execute_pending_refunds() == 1
        assert execute_pending_refunds() == 0

    pending.refresh_from_db()
    assert pending.status == Refund.Status.SUCCEEDED
    assert on_fake.trades[paid_payment.merchant_reference].refunded_fen == 3980


def test_staff_are_told_when_alipay_does_not_answer_a_refund(paid_payment, on_fake, client):
    client.force_login(add_staff("township_editor"))
    line = paid_payment.order.lines.get(quantity=3)
    on_fake.down = True

    response = client.post(
        f"/admin/orders/{paid_payment.order_id}/refund/",
        {"line": line.pk, "quantity": 1, "reason": "坏果"},
        follow=True,
    )

    assert response.status_code == 200
    assert "支付平台暂未答复" in response.content.decode()
    assert Refund.objects.get().status == Refund.Status.PENDING


def test_refunding_everything_closes_the_trade_at_alipay(paid_payment, on_fake, staff):
    order = paid_payment.order
    refund = request_refund(order_id=order.pk, actor=staff, reason="缺货")

    assert execute_refund(refund_id=refund.pk).status == Refund.Status.SUCCEEDED
    assert on_fake.trades[paid_payment.merchant_reference].status == "TRADE_CLOSED"
    assert Order.objects.get(pk=order.pk).status == Order.Status.REFUNDED
