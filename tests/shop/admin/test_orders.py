import datetime

import pytest
from django.utils import timezone

from shop.orders.checkout import place_order
from shop.orders.models import Order
from shop.payments.models import Refund
from tests.township import add_staff

pytestmark = pytest.mark.django_db


def staff_client(client, group: str):
    user = add_staff(group)
    client.force_login(user)
    return client


@pytest.fixture
def order(two_producers, address):
    tomato, bag = two_producers
    return place_order(
        items=[(tomato.pk, 2), (bag.pk, 1)],
        email="union@example.com",
        address=address,
        gateway="offline",
        channel=Order.Channel.OFFLINE,
    )


def test_editor_records_an_offline_payment(client, order):
    editor = staff_client(client, "township_editor")
    amount = f"{order.total_fen // 100}.{order.total_fen % 100:02d}"
    response = editor.post(
        f"/admin/orders/{order.pk}/payment/",
        {"amount": amount, "method": "bank_transfer", "reference": "工会转账001"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.payments.get().recorded_by is not None


@pytest.mark.parametrize("amount", ["abc", "-5", "12.345", "", "0"])
def test_a_bad_offline_amount_is_refused(client, order, amount):
    editor = staff_client(client, "township_editor")
    response = editor.post(
        f"/admin/orders/{order.pk}/payment/", {"amount": amount, "method": "cash"}
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert not order.payments.exists()


def test_an_offline_amount_that_differs_is_flagged_not_paid(client, order):
    editor = staff_client(client, "township_editor")
    editor.post(f"/admin/orders/{order.pk}/payment/", {"amount": "1.00", "method": "cash"})
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.needs_review


def test_editor_refunds_one_line_from_the_admin(client, order):
    editor = staff_client(client, "township_editor")
    editor.post(
        f"/admin/orders/{order.pk}/payment/",
        {"amount": str(order.total_fen / 100), "method": "cash"},
    )
    line = order.lines.get(quantity=2)
    response = editor.post(
        f"/admin/orders/{order.pk}/refund/", {"line": line.pk, "quantity": 1, "reason": "坏果"}
    )
    assert response.status_code == 302
    assert Refund.objects.get().amount_fen == line.unit_price_fen


def test_a_refund_of_an_unpaid_order_is_refused_with_a_message(client, order):
    editor = staff_client(client, "township_editor")
    response = editor.post(f"/admin/orders/{order.pk}/refund/", {"reason": "x"})
    assert response.status_code == 200
    assert "不能退款" in response.text
    assert not Refund.objects.exists()


def test_auditors_may_read_orders_but_not_refund(client, order):
    auditor = staff_client(client, "auditor")
    assert auditor.get(f"/admin/snippets/shop/order/inspect/{order.pk}/").status_code == 200
    response = auditor.post(f"/admin/orders/{order.pk}/refund/", {"reason": "x"})
    # Wagtail's admin answers a permission failure by sending the user to the dashboard.
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert not Refund.objects.exists()


def test_offline_sale_for_a_union_is_recorded_and_paid(client, two_producers):
    tomato, _ = two_producers
    editor = staff_client(client, "township_editor")
    response = editor.post(
        "/admin/orders/offline-sale/",
        {
            "email": "union@example.com",
            "recipient": "市总工会",
            "mobile": "13812345678",
            "province": "山东省",
            "city": "聊城市",
            "district": "临清市",
            "street": "工会大楼",
            "invoice_title": "临清市总工会",
            "tax_number": "12371581MB0000000X",
            "items": f"{tomato.pk} 5",
            "paid_now": "on",
            "method": "bank_transfer",
        },
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.channel, order.status, order.invoice_title) == (
        Order.Channel.OFFLINE,
        Order.Status.PAID,
        "临清市总工会",
    )


@pytest.mark.parametrize("items", ["abc", "1", "1 2 3", "999999 1", "", "1 0"])
def test_offline_sale_with_bad_items_is_refused(client, items):
    editor = staff_client(client, "township_editor")
    response = editor.post(
        "/admin/orders/offline-sale/",
        {
            "email": "u@example.com",
            "recipient": "x",
            "mobile": "13812345678",
            "province": "山东省",
            "city": "聊城市",
            "district": "临清市",
            "street": "x",
            "items": items,
            "method": "cash",
        },
    )
    assert response.status_code == 200
    assert not Order.objects.exists()


def amount_of(order: Order) -> str:
    return f"{order.total_fen // 100}.{order.total_fen % 100:02d}"


def test_editor_records_when_a_bank_transfer_arrived(client, order):
    editor = staff_client(client, "township_editor")

    response = editor.post(
        f"/admin/orders/{order.pk}/payment/",
        {"amount": amount_of(order), "method": "bank_transfer", "received_at": "2026-10-31 16:30"},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    arrived = timezone.make_aware(datetime.datetime(2026, 10, 31, 16, 30))
    assert order.paid_at == order.payments.get().paid_at == arrived


def test_a_transfer_dated_in_the_future_is_refused_with_a_message(client, order):
    editor = staff_client(client, "township_editor")
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)

    response = editor.post(
        f"/admin/orders/{order.pk}/payment/",
        {
            "amount": amount_of(order),
            "method": "bank_transfer",
            "received_at": f"{tomorrow:%Y-%m-%d %H:%M}",
        },
    )

    assert response.status_code == 200
    assert "到账时间不能晚于现在" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert not order.payments.exists()
