import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import SYSTEM
from shop.catalogue import page_cache
from shop.catalogue.models import ProductVariant
from shop.orders import inventory
from tests.shop.factories import OrderLineFactory, ProductVariantFactory
from tests.township import place, refund, sell

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test reads what its change retired in Redis, and only that."""
    cache.clear()


def stock_of(variant) -> int:
    variant.refresh_from_db()
    return variant.stock


def test_reserve_takes_exactly_what_was_asked_of_that_variant_only():
    variant = ProductVariantFactory(stock=5)
    other = ProductVariantFactory(stock=5)
    inventory.reserve(variant_id=variant.pk, quantity=3)
    assert (stock_of(variant), stock_of(other)) == (2, 5)


def test_reserving_more_than_is_left_takes_nothing():
    variant = ProductVariantFactory(stock=2)
    with pytest.raises(inventory.OutOfStock) as refused:
        inventory.reserve(variant_id=variant.pk, quantity=3)
    assert stock_of(variant) == 2
    assert (refused.value.variant_id, refused.value.requested) == (variant.pk, 3)
    assert str(refused.value) == f"variant {variant.pk}: fewer than 3 in stock"


def test_the_last_units_can_be_reserved():
    variant = ProductVariantFactory(stock=3)
    inventory.reserve(variant_id=variant.pk, quantity=3)
    assert stock_of(variant) == 0


def test_release_gives_units_back():
    variant = ProductVariantFactory(stock=0)
    inventory.release(variant_id=variant.pk, quantity=4)
    assert stock_of(variant) == 4


def test_adjust_never_goes_below_zero(staff):
    variant = ProductVariantFactory(stock=1)
    with pytest.raises(inventory.OutOfStock):
        inventory.adjust(variant_id=variant.pk, delta=-2, actor=staff)
    assert inventory.adjust(variant_id=variant.pk, delta=+3, actor=staff) == 4


@pytest.mark.parametrize("delta", [+1, -1])
def test_adjusting_by_one_moves_stock_by_one(delta, staff):
    variant = ProductVariantFactory(stock=5)
    assert inventory.adjust(variant_id=variant.pk, delta=delta, actor=staff) == 5 + delta
    assert stock_of(variant) == 5 + delta


def test_adjusting_by_zero_changes_nothing_but_is_recorded(staff):
    variant = ProductVariantFactory(stock=5)
    before = variant.history.count()
    assert inventory.adjust(variant_id=variant.pk, delta=0, actor=staff) == 5
    assert stock_of(variant) == 5
    assert variant.history.count() == before + 1


def test_a_correction_is_recorded_with_who_made_it_and_why(staff):
    variant = ProductVariantFactory(stock=5)
    inventory.adjust(variant_id=variant.pk, delta=-2, actor=staff)
    record = variant.history.order_by("-history_id").first()
    assert (record.stock, record.history_user, record.history_change_reason) == (
        3,
        staff,
        inventory.STOCK_ADJUSTED,
    )
    assert record.history_type == "~"


@pytest.mark.parametrize("change", ["reserve", "release"])
@pytest.mark.parametrize("quantity", [0, -1])
def test_non_positive_quantities_are_refused(change, quantity):
    variant = ProductVariantFactory(stock=5)
    with pytest.raises(ValueError, match=r"^quantity must be positive$"):
        getattr(inventory, change)(variant_id=variant.pk, quantity=quantity)
    assert stock_of(variant) == 5


@pytest.mark.redis  # the pages' dependency keys are in Redis (shop.catalogue.page_cache)
@pytest.mark.parametrize(
    ("stock", "change", "retired"),
    [
        (20, lambda pk: inventory.reserve(variant_id=pk, quantity=1), False),  # 有货 stays
        (7, lambda pk: inventory.reserve(variant_id=pk, quantity=1), False),  # 7 -> 6: 有货
        (7, lambda pk: inventory.reserve(variant_id=pk, quantity=2), True),  # -> 仅剩 5 件
        (5, lambda pk: inventory.reserve(variant_id=pk, quantity=1), True),  # 仅剩 4 件
        (1, lambda pk: inventory.reserve(variant_id=pk, quantity=1), True),  # 已售罄
        (10, lambda pk: inventory.release(variant_id=pk, quantity=1), False),
        (5, lambda pk: inventory.release(variant_id=pk, quantity=1), True),  # 有货 again
        (0, lambda pk: inventory.release(variant_id=pk, quantity=1), True),
        (3, lambda pk: inventory.adjust(variant_id=pk, delta=1, actor=SYSTEM), True),
        (30, lambda pk: inventory.adjust(variant_id=pk, delta=-1, actor=SYSTEM), False),
        (30, lambda pk: inventory.mark_sold_out(variant_id=pk, actor=SYSTEM), True),
    ],
)
def test_a_stock_change_retires_its_products_pages_when_what_they_show_moves(
    stock, change, retired, django_capture_on_commit_callbacks
):
    """Pages show 已售罄, 仅剩 N 件 up to five, and nothing above (shop.catalogue.shown):
    only a change across those retires the product's cached pages, and never another's."""
    variant = ProductVariantFactory(stock=stock)
    other = ProductVariantFactory(stock=stock)
    product = page_cache.product_dependency(variant.product_id)

    with django_capture_on_commit_callbacks(execute=True):
        change(variant.pk)

    assert (page_cache.changed_at(product) is not None) is retired
    assert page_cache.changed_at(page_cache.product_dependency(other.product_id)) is None
    assert page_cache.changed_at(page_cache.CATALOGUE) is None


@pytest.mark.redis  # the pages' dependency keys are in Redis (shop.catalogue.page_cache)
def test_a_refused_reservation_retires_nothing(django_capture_on_commit_callbacks):
    variant = ProductVariantFactory(stock=1)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(inventory.OutOfStock):
        inventory.reserve(variant_id=variant.pk, quantity=2)
    assert page_cache.changed_at(page_cache.product_dependency(variant.product_id)) is None


def test_mark_sold_out(staff):
    variant = ProductVariantFactory(stock=9)
    other = ProductVariantFactory(stock=4)
    inventory.mark_sold_out(variant_id=variant.pk, actor=staff)
    assert (stock_of(variant), stock_of(other)) == (0, 4)
    record = variant.history.order_by("-history_id").first()
    assert (record.stock, record.history_user, record.history_change_reason) == (
        0,
        staff,
        inventory.STOCK_SOLD_OUT,
    )


def test_publishing_an_old_revision_leaves_stock_and_price_alone():
    variant = ProductVariantFactory(stock=10, price_fen=3980)
    product = variant.product
    old_revision = product.latest_revision
    product.title = "改过的标题"
    product.save_revision().publish()
    inventory.reserve(variant_id=variant.pk, quantity=4)
    type(variant).objects.filter(pk=variant.pk).update(price_fen=4280)

    old_revision.publish()

    variant.refresh_from_db()
    product.refresh_from_db()
    assert product.title != "改过的标题"
    assert (variant.stock, variant.price_fen) == (6, 4280)


def units_sold_by_lines(variant) -> int:
    """The count as the migration makes it: paid lines' units less refunded ones."""
    return sum(
        line.quantity - line.refunded_quantity
        for line in variant.order_lines.filter(order__paid_at__isnull=False)
    )


def units_sold(variant) -> int:
    variant.refresh_from_db()
    return variant.units_sold


def test_payments_and_refunds_keep_the_units_sold(staff):
    tomato = ProductVariantFactory(stock=50)
    honey = ProductVariantFactory(stock=50)
    two_lines = sell([(tomato, 3), (honey, 2)])
    sell([(tomato, 4)])
    place([(tomato, 5)], gateway="dummy")  # placed, never paid: nothing sold
    assert (units_sold(tomato), units_sold(honey)) == (7, 2)

    line = two_lines.lines.get(variant=tomato)
    refund(two_lines, staff=staff, line=line, quantity=2)
    assert (units_sold(tomato), units_sold(honey)) == (5, 2)
    refund(two_lines, staff=staff)  # the rest of the order: 1 tomato, 2 honey
    assert (units_sold(tomato), units_sold(honey)) == (4, 0)
    assert [units_sold(tomato), units_sold(honey)] == [
        units_sold_by_lines(tomato),
        units_sold_by_lines(honey),
    ]


def test_a_refund_never_takes_the_count_below_zero():
    variant = ProductVariantFactory(stock=5, units_sold=1)
    inventory.count_refunded(variant_id=variant.pk, quantity=3)
    assert units_sold(variant) == 0


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_refund_of_no_units_is_refused(quantity):
    variant = ProductVariantFactory(stock=5, units_sold=4)
    with pytest.raises(ValueError, match=r"^quantity must be positive$"):
        inventory.count_refunded(variant_id=variant.pk, quantity=quantity)
    assert units_sold(variant) == 4


def test_the_migration_counts_the_units_already_sold(staff):
    migration = importlib.import_module("shop.migrations.0020_variant_units_sold")
    tomato = ProductVariantFactory(stock=50)
    order = sell([(tomato, 6)])
    refund(order, staff=staff, line=order.lines.get(), quantity=1)
    place([(tomato, 5)], gateway="dummy")
    untouched = ProductVariantFactory(stock=5)
    ProductVariant.objects.update(units_sold=9)

    migration.count_sold_units(django_apps, None)

    assert (units_sold(tomato), units_sold(untouched)) == (5, 0)


def test_a_payment_counts_its_variants_in_their_order_as_checkout_takes_their_stock():
    """Both lock the variants' rows in the order of their ids, so a payment and a
    checkout of the same variants never wait on each other's rows (a deadlock)."""
    first, second = ProductVariantFactory(stock=9), ProductVariantFactory(stock=9)
    order = place([(second, 1)], gateway="dummy")
    # A line of the first variant written after the second's: the lines are read
    # the other way round from the variants' order.
    OrderLineFactory(order=order, shipment=order.shipments.get(), variant=first, quantity=2)
    read_first = order.lines.values_list("variant_id", flat=True).first()

    with CaptureQueriesContext(connection) as captured:
        inventory.count_sold(order=order)

    updated = [
        int(re.search(r'WHERE "shop_productvariant"."id" = (\d+)', query["sql"])[1])
        for query in captured
        if query["sql"].startswith("UPDATE")
    ]
    assert updated == [first.pk, second.pk]
    assert read_first == second.pk  # the lines come the other way round
    assert (units_sold(first), units_sold(second)) == (2, 1)


def test_a_payment_counts_every_line_of_a_variant():
    variant = ProductVariantFactory(stock=9)
    order = place([(variant, 1)], gateway="dummy")
    OrderLineFactory(order=order, shipment=order.shipments.get(), variant=variant, quantity=3)

    inventory.count_sold(order=order)

    assert units_sold(variant) == 4
