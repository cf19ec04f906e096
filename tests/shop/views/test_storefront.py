import pytest
from django.db import IntegrityError

from core.money import yuan_to_fen
from shop.templatetags.money import yuan
from tests.shop.factories import ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db


def test_home_page_is_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    assert "刘垓子镇消费帮扶商城" in response.text


def test_product_page_shows_each_active_variant_price(client):
    product = ProductPageFactory()
    ProductVariantFactory(product=product, name="5斤装礼盒", price_fen=3980)
    ProductVariantFactory(product=product, name="下架规格", price_fen=100, is_active=False)

    response = client.get(product.url)

    assert response.status_code == 200
    assert "5斤装礼盒" in response.text
    assert "¥39.80" in response.text
    assert "下架规格" not in response.text


def test_product_records_the_producer_above_it_in_the_tree():
    product = ProductPageFactory()
    assert product.producer == product.get_parent().specific.producer


def test_unpublished_product_is_not_served(client):
    product = ProductPageFactory(live=False)
    response = client.get(f"/producers/{product.get_parent().slug}/{product.slug}/")
    assert response.status_code == 404


def test_variant_stock_cannot_go_negative_in_the_database():
    variant = ProductVariantFactory(stock=1)
    with pytest.raises(IntegrityError):
        type(variant).objects.filter(pk=variant.pk).update(stock=-1)


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "¥0.00"), (5, "¥0.05"), (3980, "¥39.80"), (123456789, "¥1,234,567.89"), (-250, "-¥2.50")],
)
def test_yuan_formats_integer_fen_exactly(fen, text):
    assert yuan(fen) == text


@pytest.mark.parametrize(
    ("text", "fen"),
    [("12.50", 1250), ("12.5", 1250), ("0.01", 1), ("¥1,234.56", 123456), (" 7 ", 700)],
)
def test_yuan_to_fen_reads_what_people_type(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("text", ["12.345", "abc", "", "NaN", "Infinity", "1e400"])
def test_yuan_to_fen_refuses_what_is_not_an_amount(text):
    with pytest.raises(ValueError):
        yuan_to_fen(text)
