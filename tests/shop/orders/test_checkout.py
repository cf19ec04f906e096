from datetime import timedelta

import pytest
from django.dispatch import receiver
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from shop import events
from shop.institutions.models import BuyingUnit
from shop.orders import lifecycle, returns
from shop.orders.checkout import CheckoutError, place_order
from shop.orders.models import CartLine, NotifyBy, Order, OrderEvent, ShippingPolicy
from tests.factories import UserFactory
from tests.shop.conftest import ADDRESS
from tests.shop.factories import (
    CartFactory,
    CartLineFactory,
    ProductVariantFactory,
    UnitMembershipFactory,
)

pytestmark = pytest.mark.django_db


def stock(variant) -> int:
    variant.refresh_from_db()
    return variant.stock


def assert_about(duration: timedelta, expected: timedelta) -> None:
    """``created_at`` is stamped a moment after the payment window starts."""
    assert expected - timedelta(seconds=5) < duration <= expected


def test_order_reserves_stock_and_ships_per_producer(two_producers, address):
    tomato, bag = two_producers
    order = place_order(
        items=[(tomato.pk, 2), (bag.pk, 3)], email="a@example.com", address=address, gateway="dummy"
    )
    assert (stock(tomato), stock(bag)) == (8, 2)
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.subtotal_fen == 2 * 3980 + 3 * 990
    assert order.shipments.count() == 2
    assert order.total_fen == order.subtotal_fen + order.shipping_fen
    assert (order.invoice_title, order.tax_number) == ("", "")  # none was asked for


def test_shipping_is_per_producer_with_a_free_threshold(two_producers, address):
    tomato, bag = two_producers
    ShippingPolicy.objects.create(
        producer=tomato.product.producer, flat_fee_fen=1200, free_over_fen=5000
    )
    ShippingPolicy.objects.create(producer=bag.product.producer, flat_fee_fen=800)

    order = place_order(
        items=[(tomato.pk, 2), (bag.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )

    fees = {s.producer_id: s.shipping_fen for s in order.shipments.all()}
    assert fees == {tomato.product.producer_id: 0, bag.product.producer_id: 800}
    assert order.shipping_fen == 800


def test_a_region_the_producer_does_not_ship_to_is_refused(two_producers, address):
    tomato, _ = two_producers
    ShippingPolicy.objects.create(producer=tomato.product.producer, excluded_provinces=["北京市"])
    with pytest.raises(CheckoutError, match="暂不发往北京市"):
        place_order(items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy")
    assert stock(tomato) == 10
    assert not Order.objects.exists()


def test_sold_out_line_fails_the_whole_order_and_takes_nothing(two_producers, address):
    tomato, bag = two_producers
    with pytest.raises(CheckoutError) as error:
        place_order(
            items=[(tomato.pk, 2), (bag.pk, 6)],
            email="a@example.com",
            address=address,
            gateway="dummy",
        )
    assert "库存不足" in error.value.messages[0]
    assert (stock(tomato), stock(bag)) == (10, 5)
    assert not Order.objects.exists()


def test_an_order_from_a_cart_empties_it_in_the_same_transaction(two_producers, address):
    tomato, bag = two_producers
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=tomato, quantity=2)
    CartLineFactory(cart=cart, variant=bag, quantity=1)

    order = place_order(cart=cart, email="a@example.com", address=address, gateway="dummy")

    assert {line.variant_id: line.quantity for line in order.lines.all()} == {
        tomato.pk: 2,
        bag.pk: 1,
    }
    assert (stock(tomato), stock(bag)) == (8, 4)
    assert not CartLine.objects.exists()


def test_a_refused_order_from_a_cart_leaves_the_cart_and_the_stock_alone(two_producers, address):
    tomato, bag = two_producers
    # Refused after the stock was taken: it is given back, and the cart keeps its lines.
    ShippingPolicy.objects.create(producer=bag.product.producer, excluded_provinces=["北京市"])
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=tomato, quantity=2)
    CartLineFactory(cart=cart, variant=bag, quantity=1)

    with pytest.raises(CheckoutError, match="暂不发往北京市"):
        place_order(
            cart=cart,
            checkout_token="token",
            email="a@example.com",
            address=address,
            gateway="dummy",
        )

    assert (stock(tomato), stock(bag)) == (10, 5)
    assert CartLine.objects.filter(cart=cart).count() == 2
    assert not Order.objects.exists()


def test_a_checkout_token_places_one_order_and_then_returns_it(two_producers, address):
    tomato, bag = two_producers
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=tomato, quantity=2)
    placing = dict(
        cart=cart, checkout_token="token", email="a@example.com", address=address, gateway="dummy"
    )
    order = place_order(**placing)
    # The buyer filled the cart again; the same checkout submitted again changes nothing.
    CartLineFactory(cart=cart, variant=bag, quantity=1)

    assert place_order(**placing) == order
    assert Order.objects.get().checkout_token == "token"
    assert (stock(tomato), stock(bag)) == (8, 5)
    assert CartLine.objects.get().variant == bag
    assert order.events.filter(kind="placed").count() == 1


def test_another_checkout_token_of_an_emptied_cart_is_refused_as_empty(two_producers, address):
    tomato, _bag = two_producers
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=tomato, quantity=1)
    placing = dict(cart=cart, email="a@example.com", address=address, gateway="dummy")
    place_order(checkout_token="first tab", **placing)

    with pytest.raises(CheckoutError, match="购物车是空的"):
        place_order(checkout_token="second device", **placing)
    assert Order.objects.count() == 1
    assert stock(tomato) == 9


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([(1, 0)], "商品数量必须大于零。"),
        ([(1, -3)], "商品数量必须大于零。"),
        ([], "购物车是空的。"),
    ],
)
def test_non_positive_or_missing_quantities_are_refused(items, message, address):
    with pytest.raises(CheckoutError) as refused:
        place_order(items=items, email="a@example.com", address=address, gateway="dummy")
    assert refused.value.messages == [message]


def test_unknown_variant_is_refused(address):
    with pytest.raises(CheckoutError) as refused:
        place_order(items=[(999999, 1)], email="a@example.com", address=address, gateway="dummy")
    assert refused.value.messages == ["找不到该商品规格，或已下架。"]
    assert not Order.objects.exists()


def test_paying_announces_order_paid_once(two_producers, address):
    tomato, _ = two_producers
    order = place_order(
        items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )
    announced = []

    @receiver(events.order_paid)
    def listen(sender, order, **kwargs):
        announced.append(order.pk)

    try:
        lifecycle.mark_paid(order_id=order.pk, amount_fen=order.total_fen)
        lifecycle.mark_paid(order_id=order.pk, amount_fen=order.total_fen)
    finally:
        events.order_paid.disconnect(listen)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert announced == [order.pk]
    assert order.events.filter(kind="paid").count() == 1


def test_a_wrong_amount_is_flagged_for_review_not_paid(two_producers, address):
    tomato, _ = two_producers
    order = place_order(
        items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )
    lifecycle.mark_paid(order_id=order.pk, amount_fen=order.total_fen - 1)
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.needs_review


def test_expired_orders_are_cancelled_and_give_stock_back(two_producers, address):
    tomato, _ = two_producers
    order = place_order(
        items=[(tomato.pk, 4)], email="a@example.com", address=address, gateway="dummy"
    )
    assert lifecycle.orders_due_to_expire(now=order.created_at) == []
    assert not lifecycle.expire_order(order_id=order.pk, now=order.expires_at)

    late = order.expires_at + timedelta(seconds=1)
    assert lifecycle.orders_due_to_expire(now=late) == [order.pk]
    assert lifecycle.expire_order(order_id=order.pk, now=late)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert stock(tomato) == 10
    assert lifecycle.orders_due_to_expire(now=late) == []
    assert not lifecycle.expire_order(order_id=order.pk, now=late)


def test_a_payment_after_expiry_is_flagged_for_review(two_producers, address):
    tomato, _ = two_producers
    order = place_order(
        items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )
    lifecycle.cancel(order_id=order.pk)
    lifecycle.mark_paid(order_id=order.pk, amount_fen=order.total_fen)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.needs_review


def test_illegal_transitions_raise(two_producers, address):
    tomato, _ = two_producers
    order = place_order(
        items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )
    with pytest.raises(TransitionNotAllowed):
        order.complete()
    shipment = order.shipments.get()
    with pytest.raises((TransitionNotAllowed, ValueError)):
        lifecycle.ship(shipment_id=shipment.pk, carrier="顺丰", tracking_number="SF1")


def test_shipping_delivery_and_completion_follow_the_return_window(two_producers, address):
    tomato, bag = two_producers
    order = place_order(
        items=[(tomato.pk, 1), (bag.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )
    lifecycle.mark_paid(order_id=order.pk, amount_fen=order.total_fen)
    for shipment in order.shipments.all():
        lifecycle.ship(shipment_id=shipment.pk, carrier="顺丰", tracking_number="SF123")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    for shipment in order.shipments.all():
        lifecycle.deliver(shipment_id=shipment.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED

    window_end = returns.order_return_window_end(order)
    assert lifecycle.complete_due_orders(now=window_end - timedelta(seconds=1)) == 0
    assert lifecycle.complete_due_orders(now=window_end) == 1
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert [e.kind for e in OrderEvent.objects.filter(order=order, from_status__gt="")] == [
        "paid",
        "shipped",
        "delivered",
        "completed",
    ]


def test_full_purchase_through_the_site_with_the_dummy_gateway(client, two_producers):
    tomato, bag = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 2})
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 1})

    response = client.post("/checkout/", ADDRESS)

    assert response.status_code == 302
    order = Order.objects.get()
    assert response["Location"] == f"/payments/dummy/{order.payments.get().pk}/"
    response = client.post(response["Location"], {"outcome": "succeed"})
    assert response["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    page = client.get(f"/orders/{order.number}/")
    assert page.status_code == 200
    assert "已付款" in page.text
    assert client.get("/cart/").context["items"] == []


def test_parcels_nobody_confirmed_are_taken_as_delivered_ten_days_after_shipping(
    two_producers, address
):
    tomato, _bag = two_producers
    order = place_order(
        items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )
    lifecycle.mark_paid(order_id=order.pk, amount_fen=order.total_fen)
    shipment = order.shipments.get()
    lifecycle.ship(shipment_id=shipment.pk, carrier="顺丰", tracking_number="SF123")
    shipment.refresh_from_db()

    due = shipment.shipped_at + lifecycle.AUTO_CONFIRM_AFTER
    assert lifecycle.confirm_overdue_deliveries(now=due - timedelta(seconds=1)) == 0
    assert lifecycle.confirm_overdue_deliveries(now=due) == 1
    assert lifecycle.confirm_overdue_deliveries(now=due) == 0

    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    assert OrderEvent.objects.filter(
        order=order, kind="shipment_delivered", note__contains="超时自动确认收货"
    ).exists()


def test_a_signed_in_buyers_order_is_recorded_as_placed_by_them(two_producers, address):
    tomato, _bag = two_producers
    buyer = UserFactory()

    order = place_order(
        items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy", user=buyer
    )

    placed = OrderEvent.objects.get(order=order, kind="placed")
    assert (placed.actor, placed.to_status) == (buyer, Order.Status.AWAITING_PAYMENT)


@pytest.mark.parametrize(
    "withdraw",
    [
        lambda variant: type(variant).objects.filter(pk=variant.pk).update(is_active=False),
        lambda variant: (
            type(variant.product).objects.filter(pk=variant.product_id).update(live=False)
        ),
    ],
    ids=["variant deactivated", "product unpublished"],
)
def test_a_withdrawn_variant_cannot_be_bought_at_its_old_price(two_producers, address, withdraw):
    tomato, bag = two_producers
    withdraw(tomato)
    with pytest.raises(CheckoutError) as refused:
        place_order(
            items=[(tomato.pk, 1), (bag.pk, 1)],
            email="a@example.com",
            address=address,
            gateway="dummy",
        )
    assert refused.value.messages == [f"“{tomato}”已下架。"]
    assert (stock(tomato), stock(bag)) == (10, 5)
    assert not Order.objects.exists()


def test_the_order_records_what_was_bought_at_which_price(two_producers, address):
    tomato, bag = two_producers
    order = place_order(
        items=[(tomato.pk, 1), (bag.pk, 2), (tomato.pk, 1)],  # the same variant twice adds up
        email="a@example.com",
        address=address,
        gateway="dummy",
        invoice_title="某某单位",
        tax_number="91110000000000000X",
    )
    lines = {line.variant_id: line for line in order.lines.select_related("shipment")}
    assert stock(tomato) == 8
    tomato_line, bag_line = lines[tomato.pk], lines[bag.pk]
    assert (tomato_line.quantity, tomato_line.unit_price_fen, tomato_line.total_fen) == (
        2,
        3980,
        7960,
    )
    assert (bag_line.quantity, bag_line.unit_price_fen, bag_line.total_fen) == (2, 990, 1980)
    for line, variant in ((tomato_line, tomato), (bag_line, bag)):
        product = variant.product
        assert (line.product_title, line.variant_name) == (product.title, variant.name)
        assert (line.producer, line.category) == (product.producer, product.category)
        assert line.shipment.producer == product.producer
        assert line.return_policy == product.category.return_policy
        assert line.return_window_days == product.category.return_window_days
    assert (order.subtotal_fen, order.total_fen) == (9940, 9940 + order.shipping_fen)
    assert (order.email, order.gateway, order.channel) == ("a@example.com", "dummy", "online")
    assert (order.invoice_title, order.tax_number) == ("某某单位", "91110000000000000X")
    assert (order.recipient, order.mobile, order.province) == (
        address.recipient,
        address.mobile,
        address.province,
    )
    assert (order.city, order.district, order.street) == (
        address.city,
        address.district,
        address.street,
    )
    assert order.user is None
    assert order.language == "zh-hans"
    assert_about(order.expires_at - order.created_at, timedelta(minutes=30))
    placed = OrderEvent.objects.get(order=order, kind="placed")
    assert (placed.to_status, placed.actor) == (Order.Status.AWAITING_PAYMENT, None)


def test_an_offline_order_waits_a_week_for_its_transfer_in_the_buyers_language(
    two_producers, address
):
    from django.utils import translation

    tomato, _bag = two_producers
    with translation.override("en"):
        order = place_order(
            items=[(tomato.pk, 1)],
            email="a@example.com",
            address=address,
            gateway="offline",
            channel=Order.Channel.OFFLINE,
        )
    assert order.channel == "offline"
    assert order.language == "en"
    assert_about(order.expires_at - order.created_at, timedelta(days=7))


def test_an_order_in_a_language_the_site_does_not_have_is_in_the_default_one(
    two_producers, address
):
    from django.utils import translation

    tomato, _bag = two_producers
    with translation.override("fr"):
        order = place_order(
            items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
        )
    assert order.language == "zh-hans"


def test_order_numbers_carry_the_date_and_six_unambiguous_characters(two_producers, address):
    import re

    from django.utils import timezone

    tomato, _bag = two_producers
    numbers = {
        place_order(
            items=[(tomato.pk, 1)], email="a@example.com", address=address, gateway="dummy"
        ).number
        for _ in range(3)
    }
    assert len(numbers) == 3
    today = f"{timezone.localdate():%y%m%d}"
    assert all(re.fullmatch(rf"LG{today}[A-HJ-NP-Z2-9]{{6}}", number) for number in numbers)


def test_order_items_and_a_cart_together_are_refused(two_producers, address):
    tomato, _bag = two_producers
    with pytest.raises(ValueError, match=r"^order items or a cart, not both$"):
        place_order(
            items=[(tomato.pk, 1)],
            cart=CartFactory(),
            email="a@example.com",
            address=address,
            gateway="dummy",
        )
    assert stock(tomato) == 10


def test_a_sold_out_line_is_named_in_the_message(two_producers, address):
    tomato, bag = two_producers
    with pytest.raises(CheckoutError) as refused:
        place_order(
            items=[(tomato.pk, 11), (bag.pk, 1)],
            email="a@example.com",
            address=address,
            gateway="dummy",
        )
    assert refused.value.messages == [f"“{tomato}”库存不足，已售罄或剩余数量少于所购数量。"]
    assert str(refused.value) == refused.value.messages[0]


def test_every_refused_line_is_named_in_the_error(two_producers, address):
    tomato, bag = two_producers
    with pytest.raises(CheckoutError) as refused:
        place_order(
            items=[(tomato.pk, 11), (bag.pk, 6)],
            email="a@example.com",
            address=address,
            gateway="dummy",
        )
    assert str(refused.value) == (
        f"“{tomato}”库存不足，已售罄或剩余数量少于所购数量。; "
        f"“{bag}”库存不足，已售罄或剩余数量少于所购数量。"
    )


def test_placing_an_order_loads_only_its_variants_each_once(
    two_producers, address, django_assert_num_queries
):
    """Its queries do not grow with the lines (no query per variant for its
    product's producer or category), and the catalogue is not read whole:
    3 reservations, 1 load of the variants, 1 shipping policy per producer, the
    order, 1 shipment and its lines per producer, the event, and a savepoint."""
    tomato, bag = two_producers
    small = ProductVariantFactory(product=tomato.product, name="2斤装", price_fen=1980, stock=10)
    ProductVariantFactory(stock=10)  # in the catalogue, not in the order
    with django_assert_num_queries(14) as captured:
        place_order(
            items=[(tomato.pk, 1), (small.pk, 1), (bag.pk, 1)],
            email="a@example.com",
            address=address,
            gateway="dummy",
        )
    loads = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT "shop_productvariant"')
    ]
    assert len(loads) == 1
    assert '"shop_productvariant"."id" IN (' in loads[0]


# Orders in a buying unit's name ----------------------------------------------------------


def test_a_member_orders_in_the_units_name_charged_to_this_year(two_producers, address):
    tomato, _ = two_producers
    membership = UnitMembershipFactory(unit__invoice_title="临清市总工会", unit__tax_number="X")

    order = place_order(
        items=[(tomato.pk, 2)],
        email="",
        address=address,
        gateway="dummy",
        user=membership.user,
        buying_unit_id=membership.unit.pk,
        notify_by=NotifyBy.SMS,
    )

    assert (order.buying_unit, order.budget_year) == (membership.unit, timezone.localdate().year)
    assert (order.invoice_title, order.tax_number) == ("临清市总工会", "X")
    assert order.notify_by == NotifyBy.SMS  # the buyer's other choices kept


NOT_A_MEMBER = "您不是该采购单位的成员，不能以单位名义下单。"


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("stranger", NOT_A_MEMBER),
        ("member_of_another_unit", NOT_A_MEMBER),
        ("anonymous", NOT_A_MEMBER),
        ("no_such_unit", NOT_A_MEMBER),
        ("inactive_unit", "采购单位“临清市总工会”已停用，不能以单位名义下单。"),
    ],
)
def test_ordering_for_a_unit_one_may_not_writes_nothing(two_producers, address, who, message):
    tomato, _ = two_producers
    membership = UnitMembershipFactory(unit__name="临清市总工会")
    user, unit_id = membership.user, membership.unit.pk
    if who == "stranger":
        user = UserFactory()
    elif who == "member_of_another_unit":
        user = UnitMembershipFactory().user
    elif who == "anonymous":
        user = None
    elif who == "inactive_unit":
        BuyingUnit.objects.filter(pk=unit_id).update(is_active=False)
    else:
        unit_id = 999_999
    before = stock(tomato)

    with pytest.raises(CheckoutError) as refused:
        place_order(
            items=[(tomato.pk, 1)],
            email="",
            address=address,
            gateway="dummy",
            user=user,
            buying_unit_id=unit_id,
        )

    assert refused.value.messages == [message]
    assert not Order.objects.exists()
    assert stock(tomato) == before
