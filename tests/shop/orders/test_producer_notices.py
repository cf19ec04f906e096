"""Producers told what to ship and by when: at payment, or in a morning digest,
and reminded once when a parcel nears its ship-by date."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction

from messaging.models import OutboundMessage
from producers.models import MemberProfile
from shop.catalogue.models import Category
from shop.orders import lifecycle, producer_notices
from shop.orders.checkout import place_order
from shop.orders.models import Order
from shop.payments.services import payment_succeeded, start_payment
from tests.factories import UserFactory
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import CategoryFactory, ProductPageFactory, ProductVariantFactory
from tests.township import add_member, at

pytestmark = pytest.mark.django_db

MOBILE = "13900000001"


@pytest.fixture
def farm():
    """A producer of vegetables (ship within 2 days) and crafts (5 days) with three
    members: one with a mobile and an e-mail, one with only an e-mail, one inactive."""
    page = ProducerPageFactory(title="张家菜园")
    crafts = CategoryFactory(
        slug="handicrafts",
        name="手工艺品",
        return_policy=Category.ReturnPolicy.NO_REASON,
        return_window_days=7,
        ship_within_days=5,
    )
    tomato = ProductVariantFactory(
        product=ProductPageFactory(parent=page, title="番茄", category=CategoryFactory()),
        name="5斤",
        price_fen=3000,
        stock=20,
    )
    basket = ProductVariantFactory(
        product=ProductPageFactory(parent=page, title="竹篮", category=crafts),
        name="大号",
        price_fen=5000,
        stock=20,
    )
    member = add_member(page.producer, UserFactory(email="zhang@example.com"))
    MemberProfile.objects.create(user=member, mobile=MOBILE)
    add_member(page.producer, UserFactory(email="cadre@example.com"))
    add_member(page.producer, UserFactory(email="gone@example.com", is_active=False))
    return page.producer, tomato, basket


def an_order(address, *items) -> Order:
    return place_order(
        items=[(variant.pk, quantity) for variant, quantity in items],
        email="buyer@example.com",
        address=address,
        gateway="dummy",
    )


def pay(order: Order, *, paid_at=None) -> Order:
    payment, _ = start_payment(order=order)
    payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen, paid_at=paid_at)
    order.refresh_from_db()
    return order


def producer_sms(sms_sent):
    return [sms for sms in sms_sent if sms.template.name.startswith("producer_")]


def producer_mail():
    return [m for m in mail.outbox if m.to != ["buyer@example.com"]]


def test_each_member_is_told_what_to_ship_and_by_when_once_though_the_payment_is_replayed(
    farm, address, django_capture_on_commit_callbacks, sms_sent
):
    _producer, tomato, basket = farm
    order = an_order(address, (tomato, 2), (basket, 1))
    payment, _ = start_payment(order=order)

    with django_capture_on_commit_callbacks(execute=True):
        for _replay in range(3):  # the provider notifies again; the buyer comes back
            payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
            lifecycle.mark_paid(order_id=order.pk, amount_fen=order.total_fen)

    shipment = order.shipments.get()
    ship_by = shipment.ship_by
    assert ship_by is not None
    (sms,) = producer_sms(sms_sent)
    assert sms.phone == MOBILE
    assert sms.text == (
        f"新订单{order.number}待发货：番茄 5斤×2、竹篮 大号×1，"
        f"请在{ship_by.month}月{ship_by.day}日前发出。详情：{settings.SITE_URL}/portal/shipments/"
    )
    assert sorted(m.to[0] for m in producer_mail()) == ["cadre@example.com", "zhang@example.com"]
    assert f"订单 {order.number}" in producer_mail()[0].subject
    assert "番茄 · 5斤 × 2" in producer_mail()[0].body
    assert OutboundMessage.objects.filter(key__contains=":to-ship:").count() == 3


def test_the_ship_by_date_comes_from_the_category_in_local_time(farm, address):
    _producer, tomato, basket = farm
    # 01:00 in Beijing is the day before in UTC: the date is Beijing's.
    paid_at = at("2026-10-10", 1)

    vegetables = pay(an_order(address, (tomato, 1)), paid_at=paid_at)
    crafts = pay(an_order(address, (basket, 1)), paid_at=paid_at)
    both = pay(an_order(address, (tomato, 1), (basket, 1)), paid_at=paid_at)

    assert vegetables.shipments.get().ship_by == datetime.date(2026, 10, 12)
    assert crafts.shipments.get().ship_by == datetime.date(2026, 10, 15)
    assert both.shipments.get().ship_by == datetime.date(2026, 10, 12)  # the sooner wins


def test_a_payment_that_rolls_back_owes_nobody_anything(
    farm, address, django_capture_on_commit_callbacks, sms_sent
):
    _producer, tomato, _basket = farm
    order = an_order(address, (tomato, 1))

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        pay(order)
        assert OutboundMessage.objects.count() == 5  # the buyer's 2, the members' 3
        raise RuntimeError("the webhook's transaction fails after the payment")

    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert not OutboundMessage.objects.exists()
    assert sms_sent == [] and mail.outbox == []


def test_a_member_on_the_digest_is_told_once_each_morning_instead_of_per_order(
    farm, address, django_capture_on_commit_callbacks, sms_sent
):
    _producer, tomato, basket = farm
    MemberProfile.objects.filter(mobile=MOBILE).update(daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        first = pay(an_order(address, (tomato, 2)), paid_at=at("2026-10-10", 15))
        pay(an_order(address, (basket, 1)), paid_at=at("2026-10-10", 16))
    assert producer_sms(sms_sent) == []  # the others are still told per order
    assert len(producer_mail()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert producer_notices.send_digests(now=at("2026-10-11", 7)) == 1
        assert producer_notices.send_digests(now=at("2026-10-11", 8)) == 0
    (digest,) = producer_sms(sms_sent)
    assert digest.phone == MOBILE
    assert digest.text.startswith(
        "今天有2单待发货：番茄 5斤×2、竹篮 大号×1，最早一单须在10月12日前发出。"
    )

    lifecycle.ship(
        shipment_id=first.shipments.get().pk, carrier="顺丰速运", tracking_number="SF1234567"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert producer_notices.send_digests(now=at("2026-10-12", 7)) == 1
    assert producer_sms(sms_sent)[-1].text.startswith("今天有1单待发货：竹篮 大号×1，")


def test_a_parcel_near_its_ship_by_date_is_reminded_once(
    farm, address, django_capture_on_commit_callbacks, sms_sent
):
    _producer, tomato, basket = farm
    soon = pay(an_order(address, (tomato, 1)), paid_at=at("2026-10-10"))  # by 10-12
    later = pay(an_order(address, (basket, 1)), paid_at=at("2026-10-10"))  # by 10-15
    shipped = pay(an_order(address, (tomato, 1)), paid_at=at("2026-10-10"))
    lifecycle.ship(
        shipment_id=shipped.shipments.get().pk, carrier="顺丰速运", tracking_number="SF7654321"
    )
    sms_sent.clear()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert producer_notices.send_ship_by_reminders(now=at("2026-10-10", 20)) == 0
        assert producer_notices.send_ship_by_reminders(now=at("2026-10-11", 9)) == 1
        assert producer_notices.send_ship_by_reminders(now=at("2026-10-12", 9)) == 0

    (reminder,) = producer_sms(sms_sent)
    assert reminder.template.name == "producer_ship_by_reminder"
    assert reminder.text.startswith(f"订单{soon.number}（番茄 5斤×1）须在10月12日前发出，还未发货")
    assert len(producer_mail()) == 2  # the member and the cadre
    assert later.number not in "".join(m.body for m in mail.outbox)
