"""A day reconciled end to end against the fake WeChat Pay: its trade bill,
downloaded and parsed by the real gateway, matched with the shop's payments and
refunds; a payment WeChat Pay took whose notification never arrived is found
and listed, not fixed."""

from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.roles import TOWNSHIP_EDITOR
from shop.orders.checkout import place_order
from shop.orders.models import Order
from shop.payments import services
from shop.payments.models import GatewayStatement, Payment, StatementDifference
from shop.payments.reconciliation import reconcile_day
from shop.payments.refunds import execute_refund, request_refund
from tests.township import add_staff

pytestmark = pytest.mark.django_db


def wechat_payment(two_producers, address, quantity: int) -> Payment:
    tomato, _bag = two_producers
    order = place_order(
        items=[(tomato.pk, quantity)], email="a@example.com", address=address, gateway="wechatpay"
    )
    payment, _start = services.start_payment(order=order, gateway="wechatpay", method="native")
    return payment


def test_a_day_reconciles_and_a_lost_notification_is_found(wechatpay, two_producers, address):
    recorded = wechat_payment(two_producers, address, 1)
    wechatpay.pay(recorded.merchant_reference)
    recorded = services.sync_payment(payment=recorded)
    order = Order.objects.get(pk=recorded.order_id)
    refund = execute_refund(
        refund_id=request_refund(
            order_id=order.pk,
            actor=add_staff(TOWNSHIP_EDITOR),
            reason="坏果",
            line_id=order.lines.get().pk,
            quantity=1,
        ).pk
    )
    lost = wechat_payment(two_producers, address, 2)
    wechatpay.pay(lost.merchant_reference)  # paid at WeChat Pay; its notification is lost
    day = datetime.fromisoformat(
        wechatpay.transaction(recorded.merchant_reference)["success_time"]
    ).date()

    statement = reconcile_day(gateway="wechatpay", day=day)

    assert statement.status == GatewayStatement.Status.DIFFERENCES
    assert statement.lines.count() == 3  # two charges and a refund
    assert statement.charges_fen == recorded.amount_fen + lost.amount_fen
    assert statement.refunds_fen == refund.amount_fen
    [difference] = statement.differences.all()
    assert difference.kind == StatementDifference.Kind.MISSING_IN_SHOP
    assert difference.merchant_reference == lost.merchant_reference
    assert difference.gateway_amount_fen == lost.amount_fen
    lost.refresh_from_db()
    assert lost.status == Payment.Status.PENDING  # listed for staff, never fixed

    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "shop_reconcile_statements",
            "--day",
            day.isoformat(),
            "--gateway",
            "wechatpay",
            stdout=out,
        )
    summary, listed, count = out.getvalue().splitlines()
    assert summary.startswith(f"wechatpay {day}: 3 line(s)")
    assert listed.split()[:2] == ["missing_in_shop", lost.merchant_reference]
    assert count.strip() == "1 difference(s), 0 explained"
