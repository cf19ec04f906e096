import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.dispatch import receiver

from core.roles import SYSTEM
from shop import events
from shop.catalogue.models import ProductVariant
from shop.orders import lifecycle
from shop.orders.checkout import place_order
from shop.orders.models import Order, OrderEvent
from shop.payments.dummy.gateway import DummyGateway
from shop.payments.gateway import PaymentError, RefundOutcome
from shop.payments.models import Payment, Refund
from shop.payments.refunds import (
    RefundError,
    execute_pending_refunds,
    execute_refund,
    request_aftersales_refund,
    request_refund,
)
from shop.payments.services import payment_succeeded, start_payment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(two_producers, address, django_capture_on_commit_callbacks):
    tomato, bag = two_producers
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(
            items=[(tomato.pk, 3), (bag.pk, 2)],
            email="a@example.com",
            address=address,
            gateway="dummy",
        )
        payment, _ = start_payment(order=order)
        payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
    order.refresh_from_db()
    return order


@pytest.fixture
def refunded_lines():
    seen = []

    @receiver(events.line_refunded)
    def listen(sender, line, quantity, amount_fen, **kwargs):
        seen.append((line.pk, quantity, amount_fen))

    yield seen
    events.line_refunded.disconnect(listen)


def refund(order, staff, **kwargs):
    return execute_refund(
        refund_id=request_refund(order_id=order.pk, actor=staff, reason="质量问题", **kwargs).pk
    )


def test_a_partial_line_refund_gives_back_that_quantity(paid_order, staff, refunded_lines):
    line = paid_order.lines.get(quantity=3)
    result = refund(paid_order, staff, line_id=line.pk, quantity=1)

    assert result.status == Refund.Status.SUCCEEDED
    line.refresh_from_db()
    assert (line.refunded_quantity, line.refunded_fen) == (1, line.unit_price_fen)
    assert refunded_lines == [(line.pk, 1, line.unit_price_fen)]
    line.variant.refresh_from_db()
    assert line.variant.stock == 10 - 3 + 1  # not shipped: stock comes back
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.PAID
    assert paid_order.is_partially_refunded


def test_refunding_the_rest_of_a_line_refunds_exactly_what_is_left(paid_order, staff):
    line = paid_order.lines.get(quantity=3)
    refund(paid_order, staff, line_id=line.pk, quantity=1)
    refund(paid_order, staff, line_id=line.pk, quantity=2)
    line.refresh_from_db()
    assert line.refunded_fen == line.total_fen
    with pytest.raises(RefundError):
        request_refund(order_id=paid_order.pk, actor=staff, reason="x", line_id=line.pk, quantity=1)


def test_a_whole_order_refund_refunds_everything_once(paid_order, staff, refunded_lines):
    refund(paid_order, staff)
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED
    assert paid_order.refunded_fen == paid_order.total_fen
    assert sorted(q for _, q, _ in refunded_lines) == [2, 3]
    with pytest.raises(RefundError):
        request_refund(order_id=paid_order.pk, actor=staff, reason="again")


def test_shipped_goods_do_not_come_back_into_stock(paid_order, staff):
    line = paid_order.lines.get(quantity=3)
    lifecycle.ship(shipment_id=line.shipment_id, carrier="顺丰", tracking_number="SF1")
    refund(paid_order, staff, line_id=line.pk, quantity=3)
    line.variant.refresh_from_db()
    assert line.variant.stock == 7


@pytest.mark.parametrize("quantity", [0, -1, 4, 100])
def test_impossible_quantities_are_refused_and_nothing_changes(paid_order, staff, quantity):
    line = paid_order.lines.get(quantity=3)
    with pytest.raises(RefundError) as refused:
        request_refund(
            order_id=paid_order.pk, actor=staff, reason="x", line_id=line.pk, quantity=quantity
        )
    assert str(refused.value) == "退款数量应在 1 到 3 之间。"
    assert not Refund.objects.exists()


def test_a_line_of_another_order_is_refused(paid_order, staff, two_producers, address):
    tomato, _ = two_producers
    other = place_order(
        items=[(tomato.pk, 1)], email="b@example.com", address=address, gateway="dummy"
    )
    with pytest.raises(RefundError) as refused:
        request_refund(
            order_id=paid_order.pk,
            actor=staff,
            reason="x",
            line_id=other.lines.get().pk,
            quantity=1,
        )
    assert str(refused.value) == "该订单中没有这一行商品。"
    assert not Refund.objects.exists()


def test_an_unpaid_order_cannot_be_refunded(two_producers, address, staff):
    tomato, _ = two_producers
    order = place_order(
        items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )
    with pytest.raises(RefundError, match=r"^该订单当前状态不能退款。$"):
        request_refund(order_id=order.pk, actor=staff, reason="x")
    assert not Refund.objects.exists()


def test_executing_a_refund_twice_applies_it_once(paid_order, staff, refunded_lines):
    pending = request_refund(order_id=paid_order.pk, actor=staff, reason="x")
    execute_refund(refund_id=pending.pk)
    execute_refund(refund_id=pending.pk)
    paid_order.refresh_from_db()
    assert paid_order.refunded_fen == paid_order.total_fen
    assert len(refunded_lines) == 2


def test_buyers_are_told_of_payment_shipping_and_refunds_once_each_by_e_mail_and_sms(
    paid_order, staff, django_capture_on_commit_callbacks, sms_sent
):
    assert [m.subject for m in mail.outbox] == [f"订单 {paid_order.number} 付款成功"]
    line = paid_order.lines.first()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ship(shipment_id=line.shipment_id, carrier="顺丰", tracking_number="SF1")
        refund(paid_order, staff, line_id=line.pk, quantity=1)
    assert [m.subject for m in mail.outbox][1:] == [
        f"订单 {paid_order.number} 已发货",
        f"订单 {paid_order.number} 退款已处理",
    ]
    assert "SF1" in mail.outbox[1].body
    to_buyer = [sms for sms in sms_sent if sms.phone == paid_order.mobile]
    assert [sms.template.name for sms in to_buyer] == [
        "buyer_order_paid",
        "buyer_order_shipped",
        "buyer_order_refunded",
    ]
    assert "运单号SF1，查物流：https://www.kuaidi100.com/chaxun?nu=SF1" in to_buyer[1].text


def test_the_shipped_e_mail_names_a_shipment_delivered_without_a_tracking_number(
    paid_order, django_capture_on_commit_callbacks
):
    line = paid_order.lines.first()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ship(shipment_id=line.shipment_id, carrier="村里自送", tracking_number="")

    body = mail.outbox[-1].body
    assert f"- {line.producer.name}: 村里自送, 无运单号（生产者直接送货）" in body


def test_a_line_refund_without_a_quantity_is_refused(paid_order, staff):
    line = paid_order.lines.first()

    with pytest.raises(RefundError, match="退款数量"):
        request_refund(order_id=paid_order.pk, actor=staff, reason="质量问题", line_id=line.pk)

    assert not Refund.objects.exists()


def test_a_partial_refund_of_several_units_refunds_their_price(paid_order, staff, refunded_lines):
    line = paid_order.lines.get(quantity=3)
    result = refund(paid_order, staff, line_id=line.pk, quantity=2)

    assert result.amount_fen == 2 * line.unit_price_fen
    line.refresh_from_db()
    assert (line.refunded_quantity, line.refunded_fen) == (2, 2 * line.unit_price_fen)
    assert refunded_lines == [(line.pk, 2, 2 * line.unit_price_fen)]
    paid_order.refresh_from_db()
    assert paid_order.refunded_fen == 2 * line.unit_price_fen
    assert paid_order.status == Order.Status.PAID


def test_a_whole_order_refund_after_a_line_was_refunded_refunds_only_the_rest(
    paid_order, staff, refunded_lines
):
    done = paid_order.lines.get(quantity=2)
    rest = paid_order.lines.get(quantity=3)
    refund(paid_order, staff, line_id=done.pk, quantity=2)
    refunded_lines.clear()

    result = refund(paid_order, staff)

    # No 0-fen event for the line already refunded: the ledger would refuse it.
    assert refunded_lines == [(rest.pk, 3, rest.total_fen)]
    assert result.amount_fen == paid_order.total_fen - done.total_fen
    paid_order.refresh_from_db()
    assert paid_order.refunded_fen == paid_order.total_fen
    assert paid_order.status == Order.Status.REFUNDED
    assert rest.variant.__class__.objects.get(pk=rest.variant_id).stock == 10
    refunded = OrderEvent.objects.get(order=paid_order, kind="refunded")
    assert (refunded.from_status, refunded.to_status) == (Order.Status.PAID, Order.Status.REFUNDED)


def test_a_refund_records_who_asked_why_and_what_came_back(paid_order, staff):
    reason = "质" * 300
    line = paid_order.lines.get(quantity=3)
    pending = request_refund(
        order_id=paid_order.pk, actor=staff, reason=reason, line_id=line.pk, quantity=1
    )
    assert (pending.status, pending.created_by, pending.reason) == (
        Refund.Status.PENDING,
        staff,
        reason[:255],
    )
    assert (pending.line, pending.quantity, pending.payment.order) == (line, 1, paid_order)
    assert pending.idempotency_key.startswith(f"refund-{paid_order.number}-")
    requested = OrderEvent.objects.get(order=paid_order, kind="refund_requested")
    assert (requested.actor, requested.note) == (staff, reason[:255])

    done = execute_refund(refund_id=pending.pk)

    assert (done.status, done.external_id) == (Refund.Status.SUCCEEDED, f"dummy_refund_{done.pk}")
    succeeded = OrderEvent.objects.get(order=paid_order, kind="refund_succeeded")
    assert (succeeded.actor, succeeded.note) == (staff, str(line.unit_price_fen))
    assert not OrderEvent.objects.filter(order=paid_order, kind="refunded").exists()


def test_a_second_refund_waits_for_the_pending_one(paid_order, staff):
    request_refund(order_id=paid_order.pk, actor=staff, reason="x")
    with pytest.raises(RefundError, match=r"^该订单有一笔退款正在处理，请稍后再试。$"):
        request_refund(order_id=paid_order.pk, actor=staff, reason="x")
    assert Refund.objects.count() == 1


def test_an_order_without_a_successful_payment_is_not_refunded(paid_order, staff):
    paid_order.payments.update(status=Payment.Status.FAILED)
    with pytest.raises(RefundError) as refused:
        request_refund(order_id=paid_order.pk, actor=staff, reason="x")
    assert str(refused.value) == "找不到该订单的成功付款记录。"
    assert not Refund.objects.exists()


@pytest.mark.parametrize("status", ["shipped", "delivered", "completed"])
def test_goods_on_their_way_or_received_can_be_refunded(paid_order, staff, status):
    Order.objects.filter(pk=paid_order.pk).update(status=status)
    assert request_refund(order_id=paid_order.pk, actor=staff, reason="x").amount_fen == (
        paid_order.total_fen
    )


def test_an_order_with_nothing_left_to_refund_is_refused(paid_order, staff):
    Order.objects.filter(pk=paid_order.pk).update(refunded_fen=paid_order.total_fen)
    with pytest.raises(RefundError) as refused:
        request_refund(order_id=paid_order.pk, actor=staff, reason="x")
    assert str(refused.value) == "没有可退的金额。"


# Refunds left pending, sent again ------------------------------------------------


def pending_refund(order, staff) -> Refund:
    return request_refund(
        order_id=order.pk, actor=staff, reason="x", line_id=order.lines.first().pk, quantity=1
    )


def test_a_pending_refund_is_sent_again_once_two_minutes_old(clock, paid_order, staff):
    refund = pending_refund(paid_order, staff)
    clock.now += timedelta(minutes=2)  # exactly two minutes: the first request may still run
    assert execute_pending_refunds() == 0
    clock.now += timedelta(microseconds=1)
    assert execute_pending_refunds() == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert execute_pending_refunds() == 0


def test_the_wait_before_sending_again_can_be_chosen(clock, paid_order, staff):
    refund = pending_refund(paid_order, staff)
    clock.now += timedelta(seconds=31)
    assert execute_pending_refunds(older_than=timedelta(seconds=30)) == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED


def test_a_refund_still_unanswered_stays_pending_and_the_others_go_on(
    clock, two_producers, address, staff, monkeypatch, caplog
):
    tomato, _bag = two_producers
    orders = []
    for _ in range(2):
        order = place_order(
            items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
        )
        payment, _start = start_payment(order=order)
        payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
        orders.append(order)
    unanswered, answered = (pending_refund(order, staff) for order in orders)
    refund_at_dummy = DummyGateway.refund

    def refund(self, *, refund):
        if refund.pk == unanswered.pk:
            raise PaymentError("timeout")
        return refund_at_dummy(self, refund=refund)

    monkeypatch.setattr(DummyGateway, "refund", refund)
    clock.now += timedelta(minutes=3)
    with caplog.at_level(logging.WARNING, logger="shop.payments.refunds"):
        assert execute_pending_refunds() == 1
    statuses = dict(Refund.objects.values_list("pk", "status"))
    assert statuses == {unanswered.pk: Refund.Status.PENDING, answered.pk: Refund.Status.SUCCEEDED}
    assert [record.getMessage() for record in caplog.records] == [
        f"refund {unanswered.pk} still unanswered: timeout"
    ]


def test_a_refund_the_provider_refuses_counts_as_settled(clock, paid_order, staff, monkeypatch):
    refund = pending_refund(paid_order, staff)
    message = "余额不足" * 100  # the event keeps the first 255 characters
    monkeypatch.setattr(
        DummyGateway, "refund", lambda self, *, refund: RefundOutcome(False, message=message)
    )
    clock.now += timedelta(minutes=3)
    assert execute_pending_refunds() == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert paid_order.events.get(kind="refund_failed").note == message[:255]


def test_a_whole_order_refund_takes_the_last_unit_left_of_a_line(paid_order, staff, refunded_lines):
    three = paid_order.lines.get(quantity=3)
    two = paid_order.lines.get(quantity=2)
    refund(paid_order, staff, line_id=three.pk, quantity=2)
    refunded_lines.clear()

    whole = refund(paid_order, staff)

    assert (whole.line, whole.quantity) == (None, 0)  # no line, no quantity: the whole order
    assert sorted(refunded_lines) == sorted(
        [(three.pk, 1, three.unit_price_fen), (two.pk, 2, two.total_fen)]
    )
    three.refresh_from_db()
    assert (three.refunded_quantity, three.refunded_fen) == (3, three.total_fen)
    paid_order.refresh_from_db()
    assert (paid_order.refunded_fen, paid_order.status) == (
        paid_order.total_fen,
        Order.Status.REFUNDED,
    )


def test_the_last_fen_of_an_order_can_be_refunded(paid_order, staff):
    Order.objects.filter(pk=paid_order.pk).update(refunded_fen=paid_order.total_fen - 1)
    assert request_refund(order_id=paid_order.pk, actor=staff, reason="x").amount_fen == 1


def test_every_pending_refund_due_is_sent_and_counted(
    clock, two_producers, address, staff, monkeypatch
):
    tomato, _bag = two_producers
    orders = []
    for _ in range(3):
        order = place_order(
            items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
        )
        payment, _start = start_payment(order=order)
        payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
        orders.append(order)
    refunds = [pending_refund(order, staff) for order in orders]
    unanswered = refunds[1]  # the one in the middle: the others are sent either side of it
    refund_at_dummy = DummyGateway.refund

    def refund(self, *, refund):
        if refund.pk == unanswered.pk:
            raise PaymentError("timeout")
        return refund_at_dummy(self, refund=refund)

    monkeypatch.setattr(DummyGateway, "refund", refund)
    clock.now += timedelta(minutes=3)
    assert execute_pending_refunds() == 2
    statuses = dict(Refund.objects.values_list("pk", "status"))
    assert statuses == {
        refunds[0].pk: Refund.Status.SUCCEEDED,
        unanswered.pk: Refund.Status.PENDING,
        refunds[2].pk: Refund.Status.SUCCEEDED,
    }


def test_each_refund_of_an_order_is_told_to_the_buyer(
    paid_order, staff, django_capture_on_commit_callbacks
):
    # A message is owed once per cause: two refunds are two causes, not a repeat of one.
    first, second = paid_order.lines.all()[:2]
    with django_capture_on_commit_callbacks(execute=True):
        refund(paid_order, staff, line_id=first.pk, quantity=1)
        refund(paid_order, staff, line_id=second.pk, quantity=1)
    assert [m.subject for m in mail.outbox][1:] == [f"订单 {paid_order.number} 退款已处理"] * 2


def test_sending_a_refund_reads_it_with_its_payment(paid_order, staff, django_assert_num_queries):
    line = paid_order.lines.first()
    pending = request_refund(
        order_id=paid_order.pk, actor=staff, reason="x", line_id=line.pk, quantity=1
    )
    with django_assert_num_queries(QUERIES_TO_SEND_A_LINE_REFUND):
        execute_refund(refund_id=pending.pk)


# Everything a line refund does (stock back, the units sold, the aid reversal, whether
# an issued 发票 needs a red-letter correction, the order, its events and message),
# pinned: the refund is read with its payment in one query before the gateway.
QUERIES_TO_SEND_A_LINE_REFUND = 49


def test_refunded_units_are_no_longer_counted_as_sold(paid_order, staff):
    """The cards' "已售 N" counts paid units less refunded ones (ProductVariant.units_sold)."""
    tomato_line, bag_line = paid_order.lines.order_by("pk")

    def sold() -> tuple[int, int]:
        for line in (tomato_line, bag_line):
            line.variant.refresh_from_db()
        return tomato_line.variant.units_sold, bag_line.variant.units_sold

    assert sold() == (3, 2)
    execute_refund(
        refund_id=request_refund(
            order_id=paid_order.pk, actor=staff, reason="x", line_id=tomato_line.pk, quantity=2
        ).pk
    )
    assert sold() == (1, 2)
    execute_refund(refund_id=request_refund(order_id=paid_order.pk, actor=staff, reason="x").pk)
    assert sold() == (0, 0)


# After-sales refunds: an explicit amount of one line, authorised by the decision ----


def aftersales_refund(order, line, *, actor, amount_fen, quantity=0, aftersales_id=7):
    return request_aftersales_refund(
        aftersales_id=aftersales_id,
        order_id=order.pk,
        line_id=line.pk,
        quantity=quantity,
        amount_fen=amount_fen,
        reason="售后 7：质量问题",
        actor=actor,
    )


def test_an_aftersales_refund_gives_money_back_and_keeps_the_goods(paid_order, refunded_lines):
    buyer = UserFactory()  # no refund permission: the decision authorises it
    line = paid_order.lines.get(quantity=3)
    lifecycle.ship(shipment_id=line.shipment_id, carrier="顺丰", tracking_number="SF1")
    sold = ProductVariant.objects.get(pk=line.variant_id).units_sold
    pending = aftersales_refund(paid_order, line, actor=buyer, amount_fen=2000)

    assert (pending.quantity, pending.amount_fen, pending.line_id) == (0, 2000, line.pk)
    assert pending.idempotency_key == "aftersales-7"
    assert (pending.created_by, pending.reason) == (buyer, "售后 7：质量问题")
    assert pending.payment.surplus is False
    event = OrderEvent.objects.get(order=paid_order, kind="refund_requested")
    assert (event.actor, event.note) == (buyer, "售后 7：质量问题")
    result = execute_refund(refund_id=pending.pk)

    assert result.status == Refund.Status.SUCCEEDED
    line.refresh_from_db()
    assert (line.refunded_quantity, line.refunded_fen) == (0, 2000)
    assert refunded_lines == [(line.pk, 0, 2000)]
    variant = ProductVariant.objects.get(pk=line.variant_id)
    assert (variant.stock, variant.units_sold) == (7, sold)
    paid_order.refresh_from_db()
    assert paid_order.refunded_fen == 2000
    assert paid_order.status == Order.Status.PAID


def test_an_aftersales_refund_of_units_counts_them_and_releases_only_unshipped_ones(paid_order):
    line = paid_order.lines.get(quantity=3)
    sold = ProductVariant.objects.get(pk=line.variant_id).units_sold
    pending = aftersales_refund(
        paid_order, line, actor=UserFactory(), amount_fen=3980 * 2, quantity=2
    )
    execute_refund(refund_id=pending.pk)
    variant = ProductVariant.objects.get(pk=line.variant_id)
    assert (variant.stock, variant.units_sold) == (7 + 2, sold - 2)
    line.refresh_from_db()
    assert (line.refunded_quantity, line.refunded_fen) == (2, 7960)


def test_one_aftersales_request_refunds_once(paid_order):
    line = paid_order.lines.get(quantity=3)
    execute_refund(refund_id=aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=100).pk)
    with pytest.raises(RefundError) as refused:
        aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=100)
    assert str(refused.value) == "这个售后申请已经退过款。"
    assert Refund.objects.count() == 1
    other = aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=100, aftersales_id=8)
    assert other.idempotency_key == "aftersales-8"


@pytest.mark.parametrize("amount", [0, -1, 11941])
def test_an_aftersales_amount_over_the_line_is_refused(paid_order, amount):
    line = paid_order.lines.get(quantity=3)
    with pytest.raises(RefundError) as refused:
        aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=amount)
    assert str(refused.value) == "退款金额应在 ¥0.01 到 ¥119.40 之间。"
    assert not Refund.objects.exists()
    assert not OrderEvent.objects.filter(kind="refund_requested").exists()


def test_an_aftersales_amount_is_capped_by_what_is_left(paid_order):
    line = paid_order.lines.get(quantity=3)
    execute_refund(refund_id=aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=1).pk)
    with pytest.raises(RefundError) as refused:
        aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=11940, aftersales_id=8)
    assert str(refused.value) == "退款金额应在 ¥0.01 到 ¥119.39 之间。"
    assert (
        aftersales_refund(
            paid_order, line, actor=SYSTEM, amount_fen=11939, quantity=3, aftersales_id=9
        ).amount_fen
        == 11939
    )


@pytest.mark.parametrize("quantity", [-1, 4])
def test_an_aftersales_quantity_over_the_line_is_refused(paid_order, quantity):
    line = paid_order.lines.get(quantity=3)
    with pytest.raises(RefundError) as refused:
        aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=100, quantity=quantity)
    assert str(refused.value) == "退款数量应在 0 到 3 之间。"
    assert not Refund.objects.exists()


def test_an_aftersales_refund_is_refused_on_a_line_of_another_order(
    paid_order, two_producers, address
):
    tomato, _ = two_producers
    other = place_order(
        items=[(tomato.pk, 1)], email="b@example.com", address=address, gateway="dummy"
    )
    with pytest.raises(RefundError) as refused:
        aftersales_refund(paid_order, other.lines.get(), actor=SYSTEM, amount_fen=100)
    assert str(refused.value) == "该订单中没有这一行商品。"
    assert not Refund.objects.exists()


def test_an_aftersales_refund_of_an_unpaid_order_is_refused(two_producers, address):
    tomato, _ = two_producers
    order = place_order(
        items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )
    with pytest.raises(RefundError) as refused:
        aftersales_refund(order, order.lines.get(), actor=SYSTEM, amount_fen=100)
    assert str(refused.value) == "该订单当前状态不能退款。"
    assert not Refund.objects.exists()


def test_an_aftersales_refund_waits_for_a_pending_one(paid_order, staff):
    line = paid_order.lines.get(quantity=3)
    request_refund(order_id=paid_order.pk, actor=staff, reason="x", line_id=line.pk, quantity=1)
    with pytest.raises(RefundError) as refused:
        aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=100)
    assert str(refused.value) == "该订单有一笔退款正在处理，请稍后再试。"
    assert Refund.objects.count() == 1


def test_an_aftersales_refund_needs_the_goods_payment(paid_order):
    line = paid_order.lines.get(quantity=3)
    Payment.objects.filter(order=paid_order).update(surplus=True)
    with pytest.raises(RefundError) as refused:
        aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=100)
    assert str(refused.value) == "找不到该订单的成功付款记录。"


def test_a_quantity_refund_after_money_given_back_is_capped_by_what_is_left(paid_order, staff):
    line = paid_order.lines.get(quantity=3)
    execute_refund(refund_id=aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=10000).pk)
    # 11,940 less 10,000 leaves 1,940: less than one unit's 3,980. The last of
    # the money takes the line's last units with it.
    first = refund(paid_order, staff, line_id=line.pk, quantity=1)
    assert (first.amount_fen, first.quantity) == (1940, 3)
    line.refresh_from_db()
    assert (line.refunded_quantity, line.refunded_fen) == (3, 11940)
    with pytest.raises(RefundError) as refused:
        request_refund(order_id=paid_order.pk, actor=staff, reason="x", line_id=line.pk, quantity=1)
    assert str(refused.value) == "退款数量应在 1 到 0 之间。"


def test_a_whole_order_refund_after_compensation_refunds_what_money_is_left(
    paid_order, staff, refunded_lines
):
    line = paid_order.lines.get(quantity=3)
    execute_refund(refund_id=aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=11940).pk)
    line.refresh_from_db()
    assert (line.refunded_quantity, line.refunded_fen) == (3, 11940)
    refund(paid_order, staff)
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED
    assert paid_order.refunded_fen == paid_order.total_fen
    assert all(amount > 0 for _line, _quantity, amount in refunded_lines)


def test_a_quantity_refund_below_the_rest_is_its_units_price_while_money_is_left(paid_order, staff):
    line = paid_order.lines.get(quantity=3)
    execute_refund(refund_id=aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=100).pk)
    assert refund(paid_order, staff, line_id=line.pk, quantity=1).amount_fen == 3980
    assert refund(paid_order, staff, line_id=line.pk, quantity=2).amount_fen == 11940 - 100 - 3980


def test_an_aftersales_refund_goes_through_the_succeeded_payment_only(paid_order):
    line = paid_order.lines.get(quantity=3)
    Payment.objects.filter(order=paid_order).update(status=Payment.Status.FAILED)
    with pytest.raises(RefundError) as refused:
        aftersales_refund(paid_order, line, actor=SYSTEM, amount_fen=100)
    assert str(refused.value) == "找不到该订单的成功付款记录。"
    assert not Refund.objects.exists()


def test_an_aftersales_refunds_reason_is_cut_to_its_field(paid_order):
    line = paid_order.lines.get(quantity=3)
    pending = request_aftersales_refund(
        aftersales_id=7,
        order_id=paid_order.pk,
        line_id=line.pk,
        quantity=0,
        amount_fen=100,
        reason="坏" * 300,
        actor=SYSTEM,
    )
    assert pending.reason == "坏" * 255
    assert OrderEvent.objects.get(kind="refund_requested").note == "坏" * 255
