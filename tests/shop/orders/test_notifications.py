"""Messages to buyers: owed through the outbox in the transaction of their cause,
by e-mail and/or SMS as the buyer chose (a guest at checkout, an account on its profile)."""

import pytest
from django.core import mail

from messaging.models import OutboundMessage
from shop.orders import lifecycle
from shop.orders.checkout import place_order
from shop.orders.fulfilment import tracking_url
from shop.orders.models import BuyerProfile, NotifyBy, Order, Shipment
from shop.payments.services import payment_succeeded, start_payment
from tests.factories import UserFactory
from tests.shop.conftest import ADDRESS

pytestmark = pytest.mark.django_db


def buy_as_guest(client, variant, capture, **choice) -> Order:
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    checkout = client.post("/checkout/", {**ADDRESS, **choice})
    with capture(execute=True):
        client.post(checkout["Location"], {"outcome": "succeed"})
    return Order.objects.get()


def pay(order: Order) -> Order:
    payment, _ = start_payment(order=order)
    payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
    order.refresh_from_db()
    return order


@pytest.mark.parametrize(
    ("choice", "e_mails", "texts"),
    [({}, 1, 1), ({"notify_by": "sms"}, 0, 1), ({"notify_by": "email"}, 1, 0)],
    ids=["both-by-default", "sms-only", "e-mail-only"],
)
def test_a_guest_is_told_of_payment_as_chosen_at_checkout(
    client, two_producers, django_capture_on_commit_callbacks, sms_sent, choice, e_mails, texts
):
    tomato, _bag = two_producers

    order = buy_as_guest(client, tomato, django_capture_on_commit_callbacks, **choice)

    assert order.status == Order.Status.PAID
    assert order.notify_by == choice.get("notify_by", NotifyBy.BOTH)
    assert [m.to for m in mail.outbox] == [[order.email]] * e_mails
    to_buyer = [sms for sms in sms_sent if sms.phone == order.mobile]
    assert [sms.template.name for sms in to_buyer] == ["buyer_order_paid"] * texts
    if texts:
        assert to_buyer[0].text.startswith(f"您的订单{order.number}已付款49.80元")
        assert "/o/" in to_buyer[0].params["link"]


def test_an_account_follows_the_choice_on_its_profile(
    two_producers, address, django_capture_on_commit_callbacks, sms_sent
):
    tomato, _bag = two_producers
    user = UserFactory()
    BuyerProfile.objects.create(user=user, notify_by=NotifyBy.SMS)
    order = place_order(
        items=[(tomato.pk, 1)], email=user.email, address=address, gateway="dummy", user=user
    )

    with django_capture_on_commit_callbacks(execute=True):
        pay(order)

    assert mail.outbox == []
    assert [sms.phone for sms in sms_sent] == [order.mobile]


def test_e_mail_only_without_an_address_is_told_by_sms(
    two_producers, address, django_capture_on_commit_callbacks, sms_sent
):
    tomato, _bag = two_producers
    order = place_order(
        items=[(tomato.pk, 1)],
        email="",
        address=address,
        gateway="dummy",
        notify_by=NotifyBy.EMAIL,
    )

    with django_capture_on_commit_callbacks(execute=True):
        pay(order)

    assert mail.outbox == []
    assert [sms.template.name for sms in sms_sent] == ["buyer_order_paid"]


def test_shipping_and_delivery_are_told_once_per_parcel(
    two_producers, address, django_capture_on_commit_callbacks, sms_sent
):
    tomato, bag = two_producers
    order = place_order(
        items=[(tomato.pk, 1), (bag.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )
    pay(order)
    first, second = order.shipments.order_by("pk")

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.ship(shipment_id=first.pk, carrier="顺丰速运", tracking_number="SF1234567890")
        lifecycle.ship(shipment_id=second.pk, carrier="本地配送", tracking_number="")
        lifecycle.deliver(shipment_id=second.pk)

    texts = [sms.text for sms in sms_sent if sms.template.name != "buyer_order_paid"]
    assert texts == [
        f"您的订单{order.number}已由顺丰速运发出，运单号SF1234567890，查物流："
        "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890",
        f"您的订单{order.number}中{second.producer.name}的商品由生产者直接送货，请留意接收。",
        f"您的订单{order.number}中{second.producer.name}的商品已确认送达，感谢您支持帮扶产品。",
    ]
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [f"订单 {order.number} 已发货"] * 2 + [f"订单 {order.number} 已送达"]
    assert "https://www.sf-express.com/" in mail.outbox[0].body
    keys = OutboundMessage.objects.filter(key__contains=":shipped:").values_list("key", flat=True)
    assert sorted(keys) == sorted(
        f"order:{order.number}:shipped:shipment-{shipment.pk}:{channel}"
        for shipment in (first, second)
        for channel in ("email:a@example.com", f"sms:{order.mobile}")
    )


@pytest.mark.parametrize(
    ("carrier", "number", "url"),
    [
        ("顺丰速运", "sf 123", "https://www.sf-express.com/chn/sc/waybill/waybill-detail/sf%20123"),
        ("中通快递", "7300", "https://www.kuaidi100.com/chaxun?com=zhongtong&nu=7300"),
        ("其他快递", "X1", "https://www.kuaidi100.com/chaxun?nu=X1"),
        ("本地配送", "", ""),
    ],
)
def test_the_tracking_link_is_the_courier_s_own_page_or_kuaidi100(carrier, number, url):
    assert tracking_url(Shipment(carrier=carrier, tracking_number=number)) == url
