"""What the ledger says of a sale: each posting's source and memo, which staff
read when they trace an order through the books (accrual/accrue.py)."""

import datetime

import pytest
from django.utils import timezone

from aid_accounting.accrual import accrue
from aid_accounting.ledger.models import Transaction
from shop.orders.models import Shipment
from tests.township import refund, sell

pytestmark = pytest.mark.django_db

PAID_AT = timezone.make_aware(datetime.datetime(2026, 10, 10, 9, 30))


def test_each_line_names_its_order_its_goods_and_its_rule(tomato, bag, tomato_rule):
    order = sell([(tomato, 2), (bag, 1)], paid_at=PAID_AT)
    tomato_line, bag_line = order.lines.order_by("pk")

    by_key = {
        posting.idempotency_key: posting
        for posting in Transaction.objects.filter(source=f"order:{order.number}")
    }

    assert by_key[f"accrual:order-line:{tomato_line.pk}"].memo == (
        f"大棚番茄·5斤装 × 2；规则 {tomato_rule}（{tomato_rule.pk}）"
    )
    assert by_key[f"accrual:order-line:{bag_line.pk}"].memo == "购物袋·单个 × 1；无帮扶规则"
    assert by_key[f"accrual:order:{order.pk}:shipping"].memo == "运费"
    assert len(by_key) == 3


def test_a_whole_order_refund_gives_the_shipping_back_under_its_own_memo(
    tomato, tomato_rule, staff
):
    order = sell([(tomato, 1)], paid_at=PAID_AT)

    done = refund(order, staff=staff)

    shipping = Transaction.objects.get(idempotency_key=f"reversal:order:{order.pk}:shipping")
    assert (shipping.source, shipping.memo) == (f"order:{order.number}", "运费退款")
    line = Transaction.objects.get(
        idempotency_key=f"reversal:refund:{done.pk}:line:{order.lines.get().pk}"
    )
    assert (line.source, line.memo) == (f"order:{order.number}", f"退款 {done.pk}：大棚番茄·5斤装")


def test_shipments_that_do_not_add_up_to_the_orders_shipping_are_refused(
    tomato, tomato_rule, monkeypatch
):
    with monkeypatch.context() as patched:
        patched.setattr(accrue, "accrue_order", lambda **kw: [])
        order = sell([(tomato, 1)], paid_at=PAID_AT)
    Shipment.objects.filter(order=order).update(shipping_fen=600)

    with pytest.raises(
        ValueError,
        match=rf"^order {order.number}: shipments charge 600 fen of shipping, the order 1000$",
    ):
        accrue.accrue_orders(orders=[order])
