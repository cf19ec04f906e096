"""Orders to ship in the portal: only the producer's own parcels and lines,
only what a parcel needs of the buyer, shipped and delivered through shop.orders.lifecycle."""

from datetime import timedelta

import pytest
from django.utils import timezone

from producers.models import PortalActivity
from shop.orders import lifecycle
from shop.orders.checkout import place_order
from shop.orders.fulfilment import LOCAL_DELIVERY
from shop.orders.models import Order, OrderEvent, Shipment
from tests.shop.factories import ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db

BUYER_EMAIL = "secret-buyer@example.com"


@pytest.fixture
def variants(member_a, member_b):
    """A's tomatoes and B's bags."""
    tomato = ProductVariantFactory(
        product=ProductPageFactory(parent=member_a.page, title="我的番茄"), name="5斤装"
    )
    bag = ProductVariantFactory(
        product=ProductPageFactory(parent=member_b.page, title="别人的购物袋"), name="单个"
    )
    return tomato, bag


def an_order(variants, address, *, paid: bool = True) -> Order:
    tomato, bag = variants
    order = place_order(
        items=[(tomato.pk, 2), (bag.pk, 1)], email=BUYER_EMAIL, address=address, gateway="dummy"
    )
    if paid:
        order = lifecycle.mark_paid(order_id=order.pk, amount_fen=order.total_fen)
    return order


@pytest.fixture
def order(variants, address) -> Order:
    return an_order(variants, address)


def shipment_of(order: Order, member) -> Shipment:
    return order.shipments.get(producer=member.producer)


def ship(client, shipment: Shipment, carrier: str = "顺丰速运", number: str = "SF1234567890", **kw):
    prefix = f"ship-{shipment.pk}"
    return client.post(
        f"/portal/shipments/{shipment.pk}/ship/",
        {f"{prefix}-carrier": carrier, f"{prefix}-tracking_number": number},
        **kw,
    )


def deliver(client, shipment: Shipment, **kw):
    return client.post(f"/portal/shipments/{shipment.pk}/deliver/", **kw)


def test_the_page_shows_own_lines_and_the_address_but_not_the_email_or_other_lines(client_a, order):
    text = client_a.get("/portal/shipments/").text
    assert order.number in text
    assert "我的番茄 · 5斤装" in text
    assert ("王示例" in text) and ("13812345678" in text)
    assert "北京市北京市朝阳区示例路1号" in text
    assert BUYER_EMAIL not in text
    assert "别人的购物袋" not in text


def test_unpaid_orders_are_not_shown(client_a, variants, address):
    unpaid = an_order(variants, address, paid=False)
    assert unpaid.number not in client_a.get("/portal/shipments/").text


def test_anonymous_visitors_are_sent_to_the_portal_log_in(client, order, member_a):
    response = client.get("/portal/shipments/")
    assert response["Location"].startswith("/portal/login/?next=/portal/shipments/")
    shipment = shipment_of(order, member_a)
    assert ship(client, shipment)["Location"].startswith("/portal/login/")
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PENDING


def test_shipping_records_the_carrier_the_order_event_and_the_activity(client_a, order, member_a):
    shipment = shipment_of(order, member_a)
    response = ship(client_a, shipment, "顺丰速运", " sf 1234 5678 90 ")
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED
    assert (shipment.carrier, shipment.tracking_number) == ("顺丰速运", "SF1234567890")
    event = OrderEvent.objects.get(order=order, kind="shipment_shipped")
    assert event.actor == member_a.user
    activity = PortalActivity.objects.get()
    assert (activity.action, activity.user) == ("shipment_shipped", member_a.user)
    assert order.number in activity.summary

    # Sent by courier: the page no longer shows where the buyer lives.
    text = client_a.get("/portal/shipments/").text
    assert "SF1234567890" in text
    assert "13812345678" not in text
    assert "示例路1号" not in text


def test_a_courier_parcel_needs_a_tracking_number_and_the_choice_is_kept(client_a, order, member_a):
    shipment = shipment_of(order, member_a)
    response = ship(client_a, shipment, "中通快递", "")
    assert response.status_code == 200
    assert "请填写快递单上的运单号" in response.text
    assert '<option value="中通快递" selected>' in response.text
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PENDING
    assert not OrderEvent.objects.filter(kind="shipment_shipped").exists()


@pytest.mark.parametrize(
    ("carrier", "number", "message"),
    [("", "SF1234567890", "请选快递公司"), ("顺丰速运", "运单号码", "6 到 40 位字母和数字")],
)
def test_bad_shipping_input_changes_nothing(client_a, order, member_a, carrier, number, message):
    shipment = shipment_of(order, member_a)
    response = ship(client_a, shipment, carrier, number)
    assert response.status_code == 200
    assert message in response.text
    assert "请填写快递单上的运单号" not in response.text  # one message, the right one
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PENDING


def test_a_parcel_is_shipped_once(client_a, order, member_a):
    shipment = shipment_of(order, member_a)
    ship(client_a, shipment)
    response = ship(client_a, shipment, number="YT0000000001", follow=True)
    assert "已经发过货了" in response.text
    shipment.refresh_from_db()
    assert shipment.tracking_number == "SF1234567890"


def test_an_unpaid_order_cannot_be_shipped(client_a, variants, address, member_a):
    shipment = shipment_of(an_order(variants, address, paid=False), member_a)
    response = ship(client_a, shipment, follow=True)
    assert "不能发货" in response.text
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PENDING


def test_a_local_delivery_is_shipped_without_number_and_marked_delivered(client_a, order, member_a):
    shipment = shipment_of(order, member_a)
    ship(client_a, shipment, LOCAL_DELIVERY, "")
    text = client_a.get("/portal/shipments/").text
    assert "13812345678" in text  # the producer still has to find the buyer
    assert f'action="/portal/shipments/{shipment.pk}/deliver/"' in text

    assert deliver(client_a, shipment).status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED
    event = OrderEvent.objects.get(order=order, kind="shipment_delivered")
    assert event.actor == member_a.user
    assert PortalActivity.objects.filter(action="shipment_delivered").count() == 1


def test_a_courier_parcel_is_not_marked_delivered_by_the_producer(client_a, order, member_a):
    shipment = shipment_of(order, member_a)
    ship(client_a, shipment)
    response = deliver(client_a, shipment, follow=True)
    assert "只有本地配送" in response.text
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED


def test_another_producers_shipment_is_404_and_unchanged(client_a, order, member_b):
    foreign = shipment_of(order, member_b)
    assert ship(client_a, foreign).status_code == 404
    assert ship(client_a, foreign, LOCAL_DELIVERY, "").status_code == 404
    lifecycle.ship(shipment_id=foreign.pk, carrier=LOCAL_DELIVERY, tracking_number="")
    assert deliver(client_a, foreign).status_code == 404

    foreign.refresh_from_db()
    assert (foreign.status, foreign.carrier) == (Shipment.Status.SHIPPED, LOCAL_DELIVERY)
    assert not OrderEvent.objects.filter(actor__isnull=False).exists()
    assert not PortalActivity.objects.exists()


def test_when_both_producers_have_shipped_the_order_is_shipped(client_a, order, member_a, member_b):
    ship(client_a, shipment_of(order, member_a))
    lifecycle.ship(
        shipment_id=shipment_of(order, member_b).pk, carrier="中通快递", tracking_number="ZT1"
    )
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED


def test_the_portal_home_counts_parcels_to_send_due_soon_and_late(
    client_a, member_a, variants, address
):
    today = timezone.localdate()
    for days in (-1, 0, 1, 3):  # late, due today, due tomorrow, not yet
        shipment = shipment_of(an_order(variants, address), member_a)
        Shipment.objects.filter(pk=shipment.pk).update(ship_by=today + timedelta(days=days))
    sent = shipment_of(an_order(variants, address), member_a)
    Shipment.objects.filter(pk=sent.pk).update(ship_by=today - timedelta(days=2))
    lifecycle.ship(shipment_id=sent.pk, carrier="顺丰速运", tracking_number="SF1234567890")

    text = client_a.get("/portal/").text

    assert "待发货 <strong>4</strong> 单" in text
    assert "即将超时 <strong>2</strong> 单" in text
    assert "已超时 <strong>1</strong> 单" in text


def test_a_parcel_shows_its_ship_by_date(client_a, member_a, order):
    ship_by = shipment_of(order, member_a).ship_by
    assert (
        f"请在 {ship_by.month}月{ship_by.day}日 前发出" in client_a.get("/portal/shipments/").text
    )


def test_a_shipped_parcel_names_its_carrier_in_the_visitors_language(client_a, member_a, order):
    lifecycle.ship(
        shipment_id=shipment_of(order, member_a).pk, carrier="中通快递", tracking_number="ZT123456"
    )
    assert "ZTO Express ZT123456" in client_a.get("/en/portal/shipments/").text
