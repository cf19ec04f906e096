"""The portal home's cards carry counts: products on sale, variants sold out,
parcels to send; only the producer's own, in a fixed number of queries."""

import pytest

from shop.orders import lifecycle
from shop.orders.checkout import place_order
from tests.shop.factories import ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(member_a, member_b):
    """A: two products on sale (one with a sold-out variant too), one wholly
    sold out, a stopped variant, a draft; B: one product on sale."""
    tomato = ProductPageFactory(parent=member_a.page, title="番茄")
    ProductVariantFactory(product=tomato, name="5斤装", stock=4)
    ProductVariantFactory(product=tomato, name="10斤装", stock=0)
    cucumber = ProductPageFactory(parent=member_a.page, title="黄瓜")
    ProductVariantFactory(product=cucumber, name="3斤装", stock=9)
    ProductVariantFactory(product=cucumber, name="旧包装", stock=0, is_active=False)
    melon = ProductPageFactory(parent=member_a.page, title="西瓜")
    ProductVariantFactory(product=melon, name="一个", stock=0)
    draft = ProductPageFactory(parent=member_a.page, title="草稿", live=False)
    ProductVariantFactory(product=draft, name="一份", stock=5)
    bag = ProductPageFactory(parent=member_b.page, title="购物袋")
    ProductVariantFactory(product=bag, name="单个", stock=5)
    return tomato


def test_the_home_cards_count_products_on_sale_and_sold_out_variants(client_a, shelf):
    text = client_a.get("/portal/").text

    assert "在售 <strong>2</strong> 件" in text
    assert "售罄 <strong>2</strong> 个规格" in text


def test_no_sold_out_count_when_nothing_is_sold_out(client_a, member_a):
    product = ProductPageFactory(parent=member_a.page)
    ProductVariantFactory(product=product, stock=3)

    text = client_a.get("/portal/").text

    assert "在售 <strong>1</strong> 件" in text
    assert "个规格" not in text


def test_the_shipments_card_counts_parcels_to_send(client_a, shelf, address):
    variant = shelf.variants.get(name="5斤装")
    for _ in range(2):
        order = place_order(
            items=[(variant.pk, 1)], email="buyer@example.com", address=address, gateway="dummy"
        )
        lifecycle.mark_paid(order_id=order.pk, amount_fen=order.total_fen)

    text = client_a.get("/portal/").text

    assert 'card-count card-count-alert">待发货 <strong>2</strong> 单' in text


def test_the_home_runs_a_fixed_number_of_queries(
    client_a, shelf, member_a, django_assert_num_queries, settings
):
    # Counted with the session read from the database: with a Redis cache, sessions
    # are cached_db (config/settings.py) and the read is one query fewer.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client_a.get("/portal/")
    with django_assert_num_queries(10):
        client_a.get("/portal/")
    more = ProductPageFactory(parent=member_a.page, title="玉米")
    ProductVariantFactory(product=more, stock=0)
    with django_assert_num_queries(10):
        assert "售罄 <strong>3</strong> 个规格" in client_a.get("/portal/").text
