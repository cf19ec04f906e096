"""A guest finds tomatoes by search, buys two products of two producers with
the dummy gateway, and sees the order paid."""

import re

import pytest

from shop.models import Order, ProductVariant
from tests.factories import ProducerPageFactory, ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def catalogue():
    tomato = ProductPageFactory(title="大棚番茄", parent=ProducerPageFactory())
    net = ProductPageFactory(title="手工编织渔网", parent=ProducerPageFactory())
    return (
        ProductVariantFactory(product=tomato, name="5斤装礼盒", price_fen=3980, stock=5),
        ProductVariantFactory(product=net, name="3米×1米", price_fen=5800, stock=5),
    )


def add_to_cart(page, live_server, query: str, title: str) -> None:
    page.goto(f"{live_server.url}/search/?q={query}")
    page.get_by_role("link", name=title).first.click()
    page.get_by_role("button", name="加入购物车").click()
    page.wait_for_url(re.compile(r"/cart/$"))


def test_guest_buys_from_two_producers_with_the_dummy_gateway(page, live_server, catalogue):
    tomato, net = catalogue
    page.goto(live_server.url)
    page.get_by_role("searchbox").first.fill("番茄")
    page.get_by_role("button", name="搜索").first.click()
    page.get_by_role("link", name="大棚番茄").first.click()
    page.get_by_label("数量").fill("2")
    page.get_by_role("button", name="加入购物车").click()
    add_to_cart(page, live_server, "渔网", "手工编织渔网")

    page.get_by_role("link", name="去结算").click()
    page.get_by_label("电子邮箱").fill("buyer@example.com")
    page.get_by_label("收货人").fill("王示例")
    page.get_by_label("手机号码").fill("138 1234 5678")
    page.get_by_label("省份").select_option("北京市")
    page.get_by_label("城市").fill("北京市")
    page.get_by_label("区县").fill("朝阳区")
    page.get_by_label("详细地址").fill("示例路1号")
    page.get_by_role("button", name="提交订单并付款").click()

    page.get_by_role("button", name="支付成功").click()
    page.wait_for_url(re.compile(r"/orders/LG"))
    assert "已付款" in page.content()

    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert order.shipments.count() == 2
    assert ProductVariant.objects.get(pk=tomato.pk).stock == 3
    assert ProductVariant.objects.get(pk=net.pk).stock == 4


def test_an_invalid_mobile_number_is_explained_in_the_page(page, live_server, catalogue):
    add_to_cart(page, live_server, "番茄", "大棚番茄")
    page.get_by_role("link", name="去结算").click()
    page.get_by_label("电子邮箱").fill("buyer@example.com")
    page.get_by_label("收货人").fill("王示例")
    page.get_by_label("手机号码").fill("12345")
    page.get_by_label("省份").select_option("北京市")
    page.get_by_label("城市").fill("北京市")
    page.get_by_label("区县").fill("朝阳区")
    page.get_by_label("详细地址").fill("示例路1号")
    page.get_by_role("button", name="提交订单并付款").click()

    assert page.get_by_role("alert").filter(has_text="11位").is_visible()
    assert page.get_by_label("详细地址").input_value() == "示例路1号"
    assert not Order.objects.exists()
