"""A guest pays with Alipay in the browser: from the shop to the fake Alipay's cashier,
back to the order page, which says paid. On a desktop the cashier page
(alipay.trade.page.pay), on a phone the WAP cashier (alipay.trade.wap.pay). The
fake Alipay notifies our live server as Alipay would; when that notification is lost,
the return page's query pays the order."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from shop.orders.models import Order, OrderEvent
from shop.payments.gateway import Payer
from shop.payments.models import Payment, WebhookEvent
from shop.payments.services import start_payment
from tests.e2e import steps
from tests.e2e.conftest import DESKTOP, PHONE
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import ProductPageFactory, ProductVariantFactory
from tests.shop.payments.alipay.conftest import APP_ID, configure
from tests.shop.payments.alipay.fake import FakeAlipay, KeyPair, serving_fake

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(scope="module")
def keys() -> tuple[KeyPair, KeyPair]:
    """Our app's keys, and the test "Alipay"'s."""
    return KeyPair.generate(), KeyPair.generate()


@pytest.fixture
def alipay(settings, live_server, keys) -> Iterator[FakeAlipay]:
    """The fake Alipay, configured as the shop's one gateway, notifying the live server."""
    app, alipay_keys = keys
    fake = FakeAlipay(app_id=APP_ID, app_keys=app, alipay_keys=alipay_keys)
    with serving_fake(fake):
        fake.deliver_notifications = True
        configure(settings, fake)
        settings.WAGTAILADMIN_BASE_URL = live_server.url  # return_url and notify_url
        # As config/settings.py adds ALIPAY_GATEWAY_URL's origin to form-action at start-up
        # (tests/shop/payments/alipay/test_configuration.py): the checkout form is
        # answered with a redirect to the gateway.
        settings.SECURE_CSP = {
            **settings.SECURE_CSP,
            "form-action": [*settings.SECURE_CSP["form-action"], fake.base_url],
        }
        yield fake


@pytest.fixture
def tomato():
    farm = ProducerPageFactory(producer__name="姜庄合作社")
    product = ProductPageFactory(title="大棚番茄", parent=farm)
    return ProductVariantFactory(product=product, name="5斤装", price_fen=3980, stock=5)


def check_out(page, live_server) -> None:
    """A guest puts the tomatoes in the cart and places the order."""
    page.goto(f"{live_server.url}/search/?q=番茄")
    page.get_by_role("link", name="大棚番茄").first.click()
    page.get_by_role("button", name="加入购物车").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    steps.check_out(page)


def pay_on_the_cashier(page, alipay: FakeAlipay) -> None:
    expect(page.get_by_role("heading", name="支付宝收银台")).to_be_visible()
    expect(page.locator(".amount")).to_have_text("¥49.80")  # ¥39.80 and ¥10.00 shipping
    page.get_by_role("button", name="确认付款").click()
    page.wait_for_url(re.compile(r"/orders/LG\w+/$"))


def assert_paid_once(order: Order, payment: Payment, alipay: FakeAlipay) -> None:
    assert order.status == Order.Status.PAID
    assert OrderEvent.objects.filter(order=order, kind="paid").count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.external_id == alipay.trades[payment.merchant_reference].trade_no


def test_a_desktop_buyer_pays_on_alipays_cashier_page(browser, live_server, alipay, tomato):
    page = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    page.set_default_timeout(15_000)

    check_out(page, live_server)
    page.wait_for_url(re.compile(re.escape(alipay.gateway_url)))  # the form went to Alipay
    pay_on_the_cashier(page, alipay)

    expect(page.locator(".order-status")).to_contain_text("已付款")
    expect(page.get_by_text("付款成功，感谢您的支持！")).to_be_visible()
    order = Order.objects.get()
    payment = order.payments.get()
    assert payment.method == "page"
    assert_paid_once(order, payment, alipay)
    # The notification reached the live server, signed and answered as Alipay expects,
    # before the buyer came back: the return page had nothing to ask.
    assert alipay.notify_answers == [(200, "success")]
    assert WebhookEvent.objects.get(gateway="alipay").outcome == "payment succeeded; order paid"
    assert [call.method for call in alipay.calls] == ["alipay.trade.page.pay"]


def test_a_phone_buyer_pays_on_alipays_wap_cashier(browser, live_server, alipay, tomato):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, user_agent=IPHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    alipay.deliver_notifications = False  # lost on the way: the return page's query pays
    check_out(page, live_server)
    order = Order.objects.get()
    # The pay page offers a phone the WAP cashier; here the payment is started as it does.
    payment, start = start_payment(
        order=order, gateway="alipay", method="wap", payer=Payer(device="phone")
    )

    page.goto(start.redirect_url)
    expect(page.get_by_role("link", name="返回商家")).to_have_attribute(
        "href", f"{live_server.url}/orders/{order.number}/"
    )
    pay_on_the_cashier(page, alipay)

    expect(page.locator(".order-status")).to_contain_text("已付款")
    expect(page.get_by_text("付款成功，感谢您的支持！")).to_be_visible()
    assert [call.method for call in alipay.calls][-2:] == [
        "alipay.trade.wap.pay",
        "alipay.trade.query",
    ]
    assert not WebhookEvent.objects.exists()
    order.refresh_from_db()
    assert_paid_once(order, payment, alipay)
    # The desktop cashier opened at checkout was never paid: one payment, not two.
    assert order.payments.filter(status=Payment.Status.SUCCEEDED).count() == 1
