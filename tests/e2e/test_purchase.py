"""A guest finds tomatoes by search, buys two of them from two producers with
the dummy gateway, and sees the order paid and the aid it gave to each pool."""

import re

import pytest
from playwright.sync_api import expect

from shop.catalogue.models import ProductVariant
from shop.orders.models import Order
from tests.e2e.steps import check_out_and_pay, choose_region
from tests.e2e.world import aid_pool_for
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def catalogue():
    """Two tomato growers, each with an aid rule to its own village's pool:
    25% of 姜庄合作社's sales, 10% of 孔庄合作社's."""
    jiangzhuang = ProducerPageFactory(producer__name="姜庄合作社")
    kongzhuang = ProducerPageFactory(producer__name="孔庄合作社")
    aid_pool_for(producer=jiangzhuang.producer, village_name="姜庄村", share_bp=2500)
    aid_pool_for(producer=kongzhuang.producer, village_name="孔庄村", share_bp=1000)
    tomato = ProductPageFactory(title="大棚番茄", parent=jiangzhuang)
    ProductVariantFactory(product=tomato, name="10斤装", price_fen=6980, stock=5)
    cherry = ProductPageFactory(title="樱桃番茄", parent=kongzhuang)
    return (
        ProductVariantFactory(product=tomato, name="5斤装礼盒", price_fen=3980, stock=5),
        ProductVariantFactory(product=cherry, name="3斤装", price_fen=2990, stock=5),
    )


def add_to_cart(page, live_server, query: str, title: str) -> None:
    page.goto(f"{live_server.url}/search/?q={query}")
    page.get_by_role("link", name=title).first.click()
    page.get_by_role("button", name="加入购物车").click()
    page.wait_for_url(re.compile(r"/cart/$"))


def test_guest_buys_from_two_producers_and_sees_the_aid_impact(page, live_server, catalogue):
    tomato, cherry = catalogue
    page.goto(live_server.url)
    page.get_by_role("searchbox").first.fill("番茄")
    page.get_by_role("button", name="搜索").first.click()
    page.get_by_role("link", name="大棚番茄").first.click()
    # The product page says where its aid share goes before anyone buys.
    expect(page.get_by_text("每单收入的25%用于姜庄村的脱贫户")).to_be_visible()
    page.get_by_role("radio", name="5斤装礼盒").check()  # a chip, not a select
    page.get_by_label("数量").fill("2")
    page.get_by_role("button", name="加入购物车").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    page.go_back()  # to the product page
    page.go_back()  # to the search results, which list the other grower's tomatoes too
    page.get_by_role("link", name="樱桃番茄").first.click()
    page.get_by_role("button", name="加入购物车").click()
    page.wait_for_url(re.compile(r"/cart/$"))

    check_out_and_pay(page)
    expect(page.locator(".order-status")).to_contain_text("已付款")
    # 25% of 2 × ¥39.80 and 10% of ¥29.90, per pool with its villages, undistributed so far.
    impact = page.get_by_role("region", name="这一单的帮扶")
    expect(impact).to_contain_text("这一单共有 ¥22.89 计入帮扶资金")
    pools = impact.get_by_role("listitem")
    expect(pools.filter(has_text="姜庄村帮扶资金池（姜庄村）")).to_contain_text("¥19.90")
    expect(pools.filter(has_text="孔庄村帮扶资金池（孔庄村）")).to_contain_text("¥2.99")
    expect(impact).to_contain_text("退货期满、本月结算后分配到户")

    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert order.shipments.count() == 2
    assert ProductVariant.objects.get(pk=tomato.pk).stock == 3
    assert ProductVariant.objects.get(pk=cherry.pk).stock == 4


def test_an_invalid_mobile_number_is_explained_in_the_page(page, live_server, catalogue):
    add_to_cart(page, live_server, "番茄", "大棚番茄")
    page.get_by_role("link", name="去结算").click()
    page.get_by_label("电子邮箱").fill("buyer@example.com")
    page.get_by_label("收货人").fill("王示例")
    page.get_by_label("手机号码").fill("12345")
    choose_region(page)
    page.get_by_label("详细地址").fill("示例路1号")
    page.get_by_role("button", name="提交订单并付款").click()

    assert page.get_by_role("alert").filter(has_text="11位").is_visible()
    assert page.get_by_label("详细地址").input_value() == "示例路1号"
    assert not Order.objects.exists()
