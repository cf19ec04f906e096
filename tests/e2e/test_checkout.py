"""Checkout on a 360-px phone: the fees are on the page before 提交订单, the
total then asked for is the one shown, the province → city → district lists
work, and a signed-in buyer with a default address pays in a few taps."""

import re

import pytest
from playwright.sync_api import expect

from shop.orders.models import Cart, CartLine, Order
from tests.e2e.conftest import PHONE_360
from tests.e2e.steps import Taps, blocking_violations, choose_region, signed_in_context
from tests.factories import UserFactory
from tests.shop.factories import AddressFactory, ShippingPolicyFactory
from tests.township import add_variant

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def two_producers():
    """¥39.80 from one producer (¥10 shipping, free from ¥99), ¥9.90 from
    another (¥8, never free, nothing sent to 新疆)."""
    tomato = add_variant("大棚番茄", name="5斤装", price_fen=3980, stock=10)
    bag = add_variant("购物袋", name="单个", price_fen=990, stock=10)
    ShippingPolicyFactory(
        producer=bag.product.producer,
        flat_fee_fen=800,
        free_over_fen=None,
        excluded_provinces=["新疆维吾尔自治区"],
    )
    return tomato, bag


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shown_total(page) -> str:
    return page.locator(".checkout-summary .summary-total dd").inner_text()


def test_a_signed_in_buyer_with_a_default_address_pays_in_few_taps(
    browser, live_server, two_producers
):
    tomato, bag = two_producers
    user = UserFactory()
    AddressFactory(user=user)
    cart = Cart.objects.create(user=user)
    CartLine.objects.create(cart=cart, variant=tomato, quantity=2)
    CartLine.objects.create(cart=cart, variant=bag, quantity=1)
    context = signed_in_context(browser, live_server, user)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/cart/")
    # Priced for the default address already: 79.60 + 9.90 + 10 + 8.
    expect(page.locator(".cart-summary .summary-total dd")).to_have_text("¥107.50")

    taps = Taps()
    taps.click(page.get_by_role("link", name="去结算"))
    expect(page.get_by_label(re.compile("王示例"))).to_be_checked()
    total = shown_total(page)
    assert total == "¥107.50"
    assert fits_the_screen(page)
    taps.click(page.get_by_role("button", name="提交订单并付款"))
    page.wait_for_url(re.compile(r"/payments/|/pay/$"))

    assert taps.count <= 6
    expect(page.locator("main")).to_contain_text(f"应付金额 {total}")
    assert Order.objects.get().total_fen == 10750
    context.close()


def test_a_guest_sees_the_fee_follow_the_province_and_pays_what_was_shown(
    browser, live_server, two_producers
):
    tomato, bag = two_producers
    context = browser.new_context(locale="zh-CN", viewport=PHONE_360, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    for variant in (tomato, bag):
        page.goto(f"{live_server.url}{variant.product.url}")
        page.get_by_role("button", name="加入购物车").first.click()
        page.wait_for_url(re.compile(r"/cart/$"))
    # Before the province is known: each producer's own fee, and when it ships free.
    expect(page.locator(".cart-group").first).to_contain_text("满¥99.00包邮，还差¥59.20")
    assert fits_the_screen(page)
    assert not blocking_violations(page)

    page.get_by_role("link", name="去结算").click()
    page.get_by_label("收货人").fill("王示例")
    page.get_by_label("手机号码").fill("13812345678")
    choose_region(page, "新疆维吾尔自治区", "乌鲁木齐市", "天山区")
    expect(page.locator(".checkout-summary")).to_contain_text("暂不发往新疆维吾尔自治区")
    choose_region(page, "河北省", "石家庄市", "长安区")
    # Hebei's cities only, and then Shijiazhuang's districts only.
    assert "唐山市" in page.get_by_label("城市").inner_text()
    assert "朝阳区" not in page.get_by_label("区县").inner_text()
    expect(page.locator(".checkout-summary")).to_contain_text("运费（发往河北省）")
    expect(page.locator(".checkout-summary")).not_to_contain_text("暂不发往")
    page.get_by_label("详细地址").fill("胜利路2号")
    total = shown_total(page)
    assert total == "¥67.70"  # 39.80 + 9.90 + 10 + 8: the other producer sends here
    assert fits_the_screen(page)
    assert not blocking_violations(page)
    page.get_by_role("button", name="提交订单并付款").click()
    page.wait_for_url(re.compile(r"/payments/|/pay/$"))

    expect(page.locator("main")).to_contain_text(f"应付金额 {total}")
    order = Order.objects.get()
    assert (order.city, order.district, order.total_fen) == ("石家庄市", "长安区", 6770)
    context.close()
