import pytest

from shop.orders import inventory
from tests.shop.factories import ProductVariantFactory

pytestmark = pytest.mark.django_db


def stock_of(variant) -> int:
    variant.refresh_from_db()
    return variant.stock


def test_reserve_takes_exactly_what_was_asked():
    variant = ProductVariantFactory(stock=5)
    inventory.reserve(variant_id=variant.pk, quantity=3)
    assert stock_of(variant) == 2


def test_reserving_more_than_is_left_takes_nothing():
    variant = ProductVariantFactory(stock=2)
    with pytest.raises(inventory.OutOfStock):
        inventory.reserve(variant_id=variant.pk, quantity=3)
    assert stock_of(variant) == 2


def test_release_gives_units_back():
    variant = ProductVariantFactory(stock=0)
    inventory.release(variant_id=variant.pk, quantity=4)
    assert stock_of(variant) == 4


def test_adjust_never_goes_below_zero():
    variant = ProductVariantFactory(stock=1)
    with pytest.raises(inventory.OutOfStock):
        inventory.adjust(variant_id=variant.pk, delta=-2)
    assert inventory.adjust(variant_id=variant.pk, delta=+3) == 4


@pytest.mark.parametrize("quantity", [0, -1])
def test_non_positive_quantities_are_refused(quantity):
    variant = ProductVariantFactory(stock=5)
    with pytest.raises(ValueError):
        inventory.reserve(variant_id=variant.pk, quantity=quantity)
    assert stock_of(variant) == 5


def test_mark_sold_out():
    variant = ProductVariantFactory(stock=9)
    inventory.mark_sold_out(variant_id=variant.pk)
    assert stock_of(variant) == 0


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
