"""Money received that did not buy the order's goods (paid twice, paid after the
order was cancelled and its stock sold, the wrong amount): marked surplus, the
buyer told the truth, and staff give it back through its gateway, whole or in
part, without touching the order's lines, stock or aid."""

from datetime import timedelta

import pytest
from django.core import mail
from django.dispatch import receiver
from django.urls import reverse

from core.money import format_yuan
from shop import events
from shop.catalogue.models import ProductVariant
from shop.orders import lifecycle
from shop.orders.checkout import place_order
from shop.orders.models import Order, OrderEvent
from shop.orders.ownership import SESSION_KEY
from shop.payments.models import Payment, Refund
from shop.payments.refunds import (
    RefundError,
    execute_refund,
    request_refund,
    request_surplus_refund,
)
from shop.payments.services import payment_succeeded, start_payment
from tests.shop.factories import RefundFactory
from tests.township import add_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(two_producers, address):
    tomato, bag = two_producers
    return place_order(
        items=[(tomato.pk, 2), (bag.pk, 1)],
        email="a@example.com",
        address=address,
        gateway="dummy",
    )


@pytest.fixture
def refunded_lines():
    seen = []

    @receiver(events.line_refunded)
    def listen(sender, line, quantity, amount_fen, **kwargs):
        seen.append((line.pk, quantity, amount_fen))

    yield seen
    events.line_refunded.disconnect(listen)


def pay(order: Order, gateway: str = "dummy") -> Payment:
    payment = Payment.objects.create(
        order=order,
        gateway=gateway,
        method="card",
        amount_fen=order.total_fen,
        idempotency_key=f"pay-{order.number}-{Payment.objects.count()}",
    )
    return payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)


@pytest.fixture
def paid_twice(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = pay(order)
        second = pay(order)
    return first, second


def test_the_second_payment_is_surplus_and_the_buyer_is_told(paid_twice):
    first, second = paid_twice

    assert (first.surplus, second.surplus) == (False, True)
    subjects = [message.subject for message in mail.outbox]
    assert any("付款将退回" in subject for subject in subjects)


def test_staff_give_back_a_duplicate_payment_without_touching_lines_or_aid(
    paid_twice, staff, refunded_lines, django_capture_on_commit_callbacks
):
    _first, second = paid_twice
    order = second.order

    with django_capture_on_commit_callbacks(execute=True):
        refund = execute_refund(
            refund_id=request_surplus_refund(
                payment_id=second.pk, actor=staff, reason="重复付款"
            ).pk
        )

    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.amount_fen == order.total_fen
    assert refund.payment_id == second.pk
    assert refunded_lines == []
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.refunded_fen == 0
    assert all(line.refunded_quantity == 0 for line in order.lines.all())
    assert OrderEvent.objects.filter(order=order, kind="surplus_refund_succeeded").count() == 1
    assert any("多付的款项已退回" in message.subject for message in mail.outbox)


def test_a_surplus_payment_is_given_back_in_parts_and_never_beyond(paid_twice, staff):
    _first, second = paid_twice

    execute_refund(
        refund_id=request_surplus_refund(
            payment_id=second.pk, actor=staff, reason="先退一部分", amount_fen=100
        ).pk
    )
    with pytest.raises(RefundError) as refused:
        request_surplus_refund(
            payment_id=second.pk, actor=staff, reason="太多", amount_fen=second.amount_fen
        )
    left = format_yuan(second.amount_fen - 100)
    assert str(refused.value) == f"退款金额应在 ¥0.01 到 {left} 之间。"
    rest = execute_refund(
        refund_id=request_surplus_refund(payment_id=second.pk, actor=staff, reason="余款").pk
    )
    assert rest.amount_fen == second.amount_fen - 100
    with pytest.raises(RefundError) as refused:
        request_surplus_refund(payment_id=second.pk, actor=staff, reason="再退")
    assert str(refused.value) == "这笔款项已全部退还。"
    assert Refund.objects.filter(payment=second).count() == 2


def test_the_payment_that_bought_the_goods_is_not_refunded_as_surplus(paid_twice, staff):
    first, _second = paid_twice

    with pytest.raises(RefundError) as refused:
        request_surplus_refund(payment_id=first.pk, actor=staff, reason="x")
    assert str(refused.value) == "只有多收的款项可以单独退还；货款请按整单或商品退款。"


def test_an_order_refund_takes_the_money_from_the_payment_that_bought_the_goods(paid_twice, staff):
    first, second = paid_twice

    refund = request_refund(order_id=first.order_id, actor=staff, reason="整单退款")

    assert refund.payment_id == first.pk != second.pk


def test_money_for_an_order_cancelled_and_sold_out_is_given_back_though_it_is_cancelled(
    order, staff, refunded_lines, django_capture_on_commit_callbacks
):
    payment, _start = start_payment(order=order)
    lifecycle.expire_order(order_id=order.pk, now=order.expires_at + timedelta(minutes=1))
    ProductVariant.objects.update(stock=0)  # sold to others meanwhile

    with django_capture_on_commit_callbacks(execute=True):
        payment = payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert payment.surplus

    refund = execute_refund(
        refund_id=request_surplus_refund(
            payment_id=payment.pk, actor=staff, reason="超时取消后付款"
        ).pk
    )

    assert refund.status == Refund.Status.SUCCEEDED
    assert refunded_lines == []


def buyer_client(client, order: Order):
    session = client.session
    session[SESSION_KEY] = [order.number]
    session.save()
    return client


def test_the_buyer_whose_late_payment_could_not_be_honoured_is_told_the_truth(client, order):
    payment, _start = start_payment(order=order)
    lifecycle.cancel(order_id=order.pk, note="买家取消")
    buyer = buyer_client(client, order)

    response = buyer.post(
        reverse("dummy_payment", args=[payment.pk]), {"outcome": "succeed"}, follow=True
    )

    page = response.content.decode()
    assert "付款成功" not in page
    assert "不能用于此订单" in page
    assert "将原路退回" in page


def test_the_order_page_says_when_the_surplus_has_gone_back(client, paid_twice, staff):
    _first, second = paid_twice
    execute_refund(
        refund_id=request_surplus_refund(payment_id=second.pk, actor=staff, reason="重复").pk
    )

    page = buyer_client(client, second.order).get(
        reverse("order_detail", args=[second.order.number])
    )

    assert "已原路退回" in page.content.decode()


def test_an_editor_gives_back_a_surplus_payment_from_the_admin(client, paid_twice):
    _first, second = paid_twice
    client.force_login(add_staff("township_editor"))

    inspect = client.get(f"/admin/snippets/shop/order/inspect/{second.order_id}/")
    assert f"/admin/payments/{second.pk}/refund/" in inspect.content.decode()
    response = client.post(
        f"/admin/payments/{second.pk}/refund/", {"amount": "1.00", "reason": "重复付款"}
    )

    assert response.status_code == 302
    refund = Refund.objects.get(payment=second)
    assert refund.amount_fen == 100
    assert refund.created_by.groups.filter(name="township_editor").exists()


def test_auditors_cannot_give_back_money(client, paid_twice):
    _first, second = paid_twice
    client.force_login(add_staff("auditor"))

    response = client.post(f"/admin/payments/{second.pk}/refund/", {"reason": "x"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert not Refund.objects.exists()


def test_the_last_fen_of_a_surplus_payment_can_still_be_given_back(paid_twice, staff):
    _first, second = paid_twice
    execute_refund(
        refund_id=request_surplus_refund(
            payment_id=second.pk, actor=staff, reason="先退", amount_fen=second.amount_fen - 1
        ).pk
    )

    last = execute_refund(
        refund_id=request_surplus_refund(payment_id=second.pk, actor=staff, reason="最后一分").pk
    )

    assert last.amount_fen == 1


def test_a_surplus_refund_records_who_asked_and_why(paid_twice, staff):
    _first, second = paid_twice
    reason = "重" * 300

    pending = request_surplus_refund(payment_id=second.pk, actor=staff, reason=reason)

    assert (pending.created_by, pending.reason, pending.order_id) == (
        staff,
        reason[:255],
        second.order_id,
    )
    requested = OrderEvent.objects.get(order=second.order, kind="surplus_refund_requested")
    assert (requested.actor, requested.note) == (staff, reason[:255])
    execute_refund(refund_id=pending.pk)
    succeeded = OrderEvent.objects.get(order=second.order, kind="surplus_refund_succeeded")
    assert (succeeded.actor, succeeded.note) == (staff, str(second.amount_fen))


def test_a_surplus_refund_waits_for_the_pending_one(paid_twice, staff):
    first, second = paid_twice
    request_refund(order_id=first.order_id, actor=staff, reason="整单退款")
    with pytest.raises(RefundError) as refused:
        request_surplus_refund(payment_id=second.pk, actor=staff, reason="重复付款")
    assert str(refused.value) == "该订单有一笔退款正在处理，请稍后再试。"
    assert Refund.objects.filter(payment=second).count() == 0


def test_a_failed_surplus_refund_gives_nothing_back(paid_twice, staff):
    _first, second = paid_twice
    RefundFactory(payment=second, amount_fen=second.amount_fen, status=Refund.Status.FAILED)

    again = request_surplus_refund(payment_id=second.pk, actor=staff, reason="再退一次")

    assert again.amount_fen == second.amount_fen


def test_each_part_of_a_surplus_given_back_is_told_to_the_buyer(
    paid_twice, staff, django_capture_on_commit_callbacks
):
    _first, second = paid_twice
    told_before = sum("多付的款项已退回" in message.subject for message in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        for reason, amount_fen in (("先退一部分", 100), ("余款", None)):
            execute_refund(
                refund_id=request_surplus_refund(
                    payment_id=second.pk, actor=staff, reason=reason, amount_fen=amount_fen
                ).pk
            )
    told = sum("多付的款项已退回" in message.subject for message in mail.outbox)
    assert told - told_before == 2
