"""Query (查单), close (关单), refunds and their notifications, and the trade bill
(对账单), against the fake WeChat Pay."""

import logging
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from core.roles import TOWNSHIP_EDITOR
from shop.orders.models import Order
from shop.payments import expiry, services
from shop.payments.gateway import GatewayPayment, PaymentError, StatementLine, get_gateway
from shop.payments.models import Payment, Refund, WebhookEvent
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import start_payment
from shop.payments.wechatpay.bill import parse_trade_bill
from tests.shop.payments.wechatpay.conftest import REFUND_NOTIFY_URL
from tests.shop.payments.wechatpay.fake import BEIJING, SITE_URL
from tests.township import add_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(wechatpay):
    return get_gateway("wechatpay")


@pytest.fixture
def payment(wechatpay, wechatpay_order) -> Payment:
    payment, _start = start_payment(order=wechatpay_order, gateway="wechatpay", method="native")
    return payment


@pytest.fixture
def paid_payment(wechatpay, payment) -> Payment:
    wechatpay.pay(payment.merchant_reference)
    return services.sync_payment(payment=payment)


def refund_of(payment: Payment, *, line: bool = False) -> Refund:
    order = Order.objects.get(pk=payment.order_id)
    first_line = order.lines.order_by("pk").first()
    return request_refund(
        order_id=order.pk,
        actor=add_staff(TOWNSHIP_EDITOR),
        reason="坏果",
        line_id=first_line.pk if line else None,
        quantity=1 if line else 0,
    )


# Query and close ---------------------------------------------------------------------


def test_query_maps_an_unpaid_order_to_pending(gateway, payment):
    assert gateway.query(payment=payment) == GatewayPayment(status="pending", message="订单未支付")


def test_query_maps_a_paid_order_to_succeeded_with_wechat_pays_time(wechatpay, gateway, payment):
    paid = wechatpay.pay(payment.merchant_reference)

    state = gateway.query(payment=payment)

    assert state == GatewayPayment(
        status="succeeded",
        amount_fen=payment.amount_fen,
        currency="cny",
        external_id=paid["transaction_id"],
        paid_at=datetime.fromisoformat(paid["success_time"]),
    )


def test_query_of_an_order_wechat_pay_never_saw_is_pending(gateway, wechatpay_order):
    payment, _start = start_payment(order=wechatpay_order, gateway="wechatpay", method="jsapi")

    assert gateway.query(payment=payment).status == "pending"


def test_expiry_closes_the_order_at_wechat_pay_then_cancels_it(wechatpay, payment):
    order = Order.objects.get(pk=payment.order_id)

    assert expiry.expire_unpaid_orders(now=order.expires_at + timedelta(seconds=1)) == 1

    assert wechatpay.orders[payment.merchant_reference].trade_state == "CLOSED"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED


def test_expiry_of_an_order_paid_at_the_last_second_records_the_money_and_keeps_it(
    wechatpay, gateway, payment
):
    wechatpay.pay(payment.merchant_reference)
    order = Order.objects.get(pk=payment.order_id)

    assert gateway.close(payment=payment).status == "succeeded"  # close, then query
    assert expiry.expire_unpaid_orders(now=order.expires_at + timedelta(seconds=1)) == 0

    assert wechatpay.orders[payment.merchant_reference].trade_state == "SUCCESS"
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_close_of_an_order_wechat_pay_never_saw_is_closed(gateway, wechatpay_order):
    payment, _start = start_payment(order=wechatpay_order, gateway="wechatpay", method="jsapi")

    assert gateway.close(payment=payment).status == "closed"


def test_no_answer_from_wechat_pay_is_a_payment_error(settings, gateway, payment):
    settings.WECHATPAY_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    with pytest.raises(PaymentError):
        gateway.query(payment=payment)


def test_an_answer_not_signed_by_wechat_pay_is_not_believed(settings, gateway, payment):
    settings.WECHATPAY_PUBLIC_KEY_ID = "PUB_KEY_ID_SOMEONE_ELSE"  # so no key verifies it

    with pytest.raises(PaymentError):
        gateway.query(payment=payment)


# Refunds -----------------------------------------------------------------------------


def test_a_refund_is_accepted_by_wechat_pay(wechatpay, paid_payment):
    refund = refund_of(paid_payment)

    refund = execute_refund(refund_id=refund.pk)

    assert refund.status == Refund.Status.SUCCEEDED
    sent = wechatpay.refund_params[refund.merchant_reference]
    assert sent == {
        "notify_url": f"{SITE_URL}{REFUND_NOTIFY_URL}",
        "out_refund_no": refund.merchant_reference,
        "amount": {
            "refund": refund.amount_fen,
            "total": paid_payment.amount_fen,
            "currency": "CNY",
        },
        "out_trade_no": paid_payment.merchant_reference,
        "reason": "坏果",
    }
    assert refund.external_id == wechatpay.refunds[refund.merchant_reference]["refund_id"]


def test_a_refund_sent_twice_is_refunded_once(wechatpay, paid_payment):
    refund = refund_of(paid_payment, line=True)
    gateway = get_gateway("wechatpay")

    first, second = gateway.refund(refund=refund), gateway.refund(refund=refund)

    assert first == second
    assert list(wechatpay.refunds) == [refund.merchant_reference]


def test_a_refund_wechat_pay_refuses_fails(wechatpay, paid_payment):
    refund = refund_of(paid_payment)
    wechatpay.refund_made_at_the_merchant_platform(paid_payment.merchant_reference, 1)

    refund = execute_refund(refund_id=refund.pk)  # more than is left at WeChat Pay

    assert refund.status == Refund.Status.FAILED
    assert "NOT_ENOUGH" in refund.order.events.get(kind="refund_failed").note


def test_a_refund_wechat_pay_does_not_answer_stays_pending_to_be_sent_again(
    settings, wechatpay, paid_payment
):
    refund = refund_of(paid_payment)
    settings.WECHATPAY_API_BASE = "http://127.0.0.1:9"

    with pytest.raises(PaymentError):
        execute_refund(refund_id=refund.pk)
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.PENDING

    settings.WECHATPAY_API_BASE = wechatpay.base_url
    assert execute_refund(refund_id=refund.pk).status == Refund.Status.SUCCEEDED


def test_a_refund_success_notification_is_recorded(wechatpay, paid_payment, deliver):
    refund = execute_refund(refund_id=refund_of(paid_payment).pk)

    response = deliver(
        wechatpay.refund_notification(refund.merchant_reference), url=REFUND_NOTIFY_URL
    )

    assert response.status_code == 204
    assert WebhookEvent.objects.get().outcome == "refund succeeded"
    order = Order.objects.get(pk=paid_payment.order_id)
    assert not order.needs_review


@pytest.mark.parametrize("status", ["ABNORMAL", "CLOSED"])
def test_a_refund_failing_after_acceptance_flags_the_order_once(
    wechatpay, paid_payment, deliver, caplog, status
):
    refund = execute_refund(refund_id=refund_of(paid_payment).pk)

    with caplog.at_level(logging.ERROR, logger="shop.payments.wechatpay.webhooks"):
        for _copy in range(2):  # two notifications, as WeChat Pay may send
            response = deliver(
                wechatpay.refund_notification(refund.merchant_reference, status),
                url=REFUND_NOTIFY_URL,
            )
            assert response.status_code == 204

    refund.refresh_from_db()
    assert refund.failed_at_gateway
    order = Order.objects.get(pk=paid_payment.order_id)
    assert order.needs_review
    assert status in order.review_reason
    assert refund.merchant_reference in caplog.text


def test_a_refund_made_outside_the_shop_before_the_payment_is_recorded_waits_for_it(
    wechatpay, payment, deliver
):
    wechatpay.pay(payment.merchant_reference)
    outside = wechatpay.refund_made_at_the_merchant_platform(payment.merchant_reference, 500)
    refund_notification = wechatpay.refund_notification(outside)

    early = deliver(refund_notification, url=REFUND_NOTIFY_URL)
    assert early.status_code == 409  # WeChat Pay sends it again later
    assert early.json()["code"] == "FAIL"
    assert not WebhookEvent.objects.exists()

    deliver(wechatpay.paid_notification(payment.merchant_reference))
    assert deliver(refund_notification, url=REFUND_NOTIFY_URL).status_code == 204

    order = Order.objects.get(pk=payment.order_id)
    assert order.status == Order.Status.PAID
    assert order.needs_review  # the goods and the aid ledger still count that money
    assert "500" in order.review_reason


def test_a_refund_notification_for_someone_elses_refund_is_answered(wechatpay, deliver):
    resource = {
        "mchid": "1900000109",
        "out_trade_no": "NOTOURSP1",
        "out_refund_no": "NOTOURSR1",
        "refund_id": "50000000382019052709732678859",
        "refund_status": "SUCCESS",
        "amount": {"total": 100, "refund": 100, "payer_total": 100, "payer_refund": 100},
    }

    response = deliver(wechatpay.notification("REFUND.SUCCESS", resource), url=REFUND_NOTIFY_URL)

    assert response.status_code == 204
    assert WebhookEvent.objects.get().outcome == "unknown refund"


# The trade bill ---------------------------------------------------------------------


def test_the_statement_lists_the_days_payments_and_refunds_from_the_trade_bill(
    wechatpay, paid_payment
):
    refund = execute_refund(refund_id=refund_of(paid_payment, line=True).pk)
    transaction = wechatpay.transaction(paid_payment.merchant_reference)
    day = datetime.fromisoformat(transaction["success_time"]).date()

    lines = get_gateway("wechatpay").statement(day=day)

    charge, returned = lines
    assert charge == StatementLine(
        kind="payment",
        merchant_reference=paid_payment.merchant_reference,
        external_id=transaction["transaction_id"],
        amount_fen=paid_payment.amount_fen,
        fee_fen=(paid_payment.amount_fen * 6 + 500) // 1000,  # 0.6%, half up
        occurred_at=datetime.fromisoformat(transaction["success_time"]),
    )
    assert (returned.kind, returned.merchant_reference) == ("refund", refund.merchant_reference)
    assert returned.external_id == refund.external_id
    assert returned.amount_fen == refund.amount_fen


def test_a_day_without_trades_has_an_empty_statement(wechatpay, gateway):
    assert gateway.statement(day=timezone.localdate() - timedelta(days=3)) == []


BILL = (
    "\ufeff交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n"
    "`2026-03-01 09:15:02,`wxd678efh567hg6787,`1900000109,`0,`,`4200002113202603011234567890,"
    "`LG260301ABCDEFP12,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`SUCCESS,`CMB_DEBIT,`CNY,`1234.56,"
    "`0.00,`0,`0,`0.00,`0.00,`,`,`刘垓子镇消费帮扶商城订单 LG260301ABCDEF,`,`7.41,`0.60%,"
    "`1234.56,`0.00,`\r\n"
    "`2026-03-01 23:59:59,`wxd678efh567hg6787,`1900000109,`0,`,`4200002113202603011234567890,"
    "`LG260301ABCDEFP12,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`REFUND,`CMB_DEBIT,`CNY,`0.00,"
    "`0.00,`50300000012026030100000000001,`LG260301ABCDEFR3,`0.10,`0.00,`ORIGINAL,`SUCCESS,"
    "`刘垓子镇消费帮扶商城订单 LG260301ABCDEF,`,`-0.01,`0.60%,`0.00,`0.10,`\r\n"
    "`2026-03-01 10:00:00,`wxd678efh567hg6787,`1900000109,`0,`,`4200002113202603019999999999,"
    "`LG260301XXXXXXP13,`oUser,`MICROPAY,`REVOKED,`OTHERS,`CNY,`0.00,`0.00,`0,`0,`0.00,`0.00,"
    "`,`,`撤销,`,`0.00,`0.60%,`5.00,`0.00,`\r\n"
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
    "`3,`1234.56,`0.10,`0.00,`7.40,`1239.56,`0.10\r\n"
)


def test_the_trade_bill_is_read_in_fen_without_its_summary():
    lines = parse_trade_bill(BILL)

    assert lines == [
        StatementLine(
            kind="payment",
            merchant_reference="LG260301ABCDEFP12",
            external_id="4200002113202603011234567890",
            amount_fen=123456,
            fee_fen=741,
            occurred_at=datetime(2026, 3, 1, 9, 15, 2, tzinfo=BEIJING),
        ),
        StatementLine(
            kind="refund",
            merchant_reference="LG260301ABCDEFR3",
            external_id="50300000012026030100000000001",
            amount_fen=10,
            fee_fen=1,
            occurred_at=datetime(2026, 3, 1, 23, 59, 59, tzinfo=BEIJING),
        ),
    ]
    assert lines[1].occurred_at.date() == date(2026, 3, 1)  # Beijing's day, not UTC's


def test_a_bill_without_a_needed_column_is_refused():
    with pytest.raises(ValueError, match="交易状态"):
        parse_trade_bill(BILL.replace("交易状态", "状态", 1))


def test_a_bill_whose_hash_does_not_match_is_refused(wechatpay, paid_payment):
    day = datetime.fromisoformat(
        wechatpay.transaction(paid_payment.merchant_reference)["success_time"]
    ).date()
    wechatpay.corrupt_downloads = True

    with pytest.raises(PaymentError):
        get_gateway("wechatpay").statement(day=day)
