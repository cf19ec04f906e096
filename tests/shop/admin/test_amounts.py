"""The shop's admin shows and takes amounts in yuan, never in fen (issue #19)."""

import pytest

from tests.township import sell

pytestmark = pytest.mark.django_db

VARIANTS = "/admin/snippets/shop/productvariant/"


def test_the_variant_listing_shows_prices_in_yuan(client, staff, tomato):
    client.force_login(staff)

    text = client.get(VARIANTS).text

    assert "¥39.80" in text
    assert "3980" not in text
    assert "（分）" not in text
    assert "True" not in text  # on sale: 是


def test_a_variants_price_is_edited_in_yuan_and_saved_in_fen(client, staff, tomato):
    client.force_login(staff)
    url = f"{VARIANTS}edit/{tomato.pk}/"

    page = client.get(url).text
    assert 'value="39.80"' in page
    assert "价格（元）" in page

    response = client.post(
        url,
        {
            "product": tomato.product_id,
            "name": tomato.name,
            "price_fen": "42.5",
            "unit": tomato.unit,
            "net_weight_grams": "",
            "is_active": "on",
            "sort_order": "0",
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    tomato.refresh_from_db()
    assert tomato.price_fen == 4250


def test_a_price_with_more_than_two_decimals_is_refused(client, staff, tomato):
    client.force_login(staff)

    response = client.post(
        f"{VARIANTS}edit/{tomato.pk}/",
        {"product": tomato.product_id, "name": tomato.name, "price_fen": "1.234", "unit": "份"},
    )

    assert response.status_code == 200
    tomato.refresh_from_db()
    assert tomato.price_fen == 3980


def test_the_order_listing_shows_totals_in_yuan(client, staff, tomato):
    sell([(tomato, 3)])  # 3 × ¥39.80, shipped free from ¥99
    client.force_login(staff)

    text = client.get("/admin/snippets/shop/order/").text

    assert "¥119.40" in text
    assert "11940" not in text


def test_the_order_page_shows_its_history_in_words(client, staff, tomato):
    order = sell([(tomato, 1)])
    client.force_login(staff)

    text = client.get(f"/admin/snippets/shop/order/inspect/{order.pk}/").text

    assert "下单" in text and "付款 → 已付款" in text
    assert "awaiting_payment" not in text and "paid → paid" not in text
