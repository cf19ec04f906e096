"""Paying by WeChat Pay in a real browser, against the fake WeChat Pay
(tests/shop/payments/wechatpay/fake.py) and pytest-django's live server.

- Desktop: our page shows the Native QR code; the buyer "scans" it (the fake
  takes the money) and WeChat Pay's notification reaches our notify address
  over HTTP; the page notices by itself and shows the order paid.
- Phone: the H5 cashier (the fake's page) takes the money and sends the
  buyer back to our return page, which asks WeChat Pay and shows the order paid.
"""

import re
from collections.abc import Iterator
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from shop.orders.checkout import place_order
from shop.orders.models import Order
from shop.orders.ownership import SESSION_KEY
from shop.payments.gateway import Payer
from shop.payments.models import Payment
from shop.payments.services import start_payment
from tests.e2e.conftest import DESKTOP, PHONE_360
from tests.e2e.steps import blocking_violations
from tests.shop.factories import ProductVariantFactory
from tests.shop.payments.wechatpay.fake import FakeWeChatPay, Keys, configure, serve
from tests.township import ADDRESS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def fake_wechatpay() -> Iterator[FakeWeChatPay]:
    yield from serve(FakeWeChatPay(Keys.generate()))


@pytest.fixture
def wechatpay(settings, live_server, fake_wechatpay) -> FakeWeChatPay:
    return configure(settings, fake_wechatpay, site_url=live_server.url)


@pytest.fixture
def order(wechatpay) -> Order:
    return place_order(
        items=[(ProductVariantFactory(price_fen=3980, stock=5).pk, 2)],
        email="buyer@example.com",
        address=ADDRESS,
        gateway="wechatpay",
    )


def guest_browser(browser, live_server, order: Order, viewport: dict):
    """A browser context of the guest who placed ``order`` (it is in their session)."""
    session = import_module(django_settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = [order.number]
    session.save()
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_desktop_buyer_scans_the_qr_code_and_the_page_shows_the_order_paid(
    browser, live_server, wechatpay, order
):
    payment, start = start_payment(order=order, gateway="wechatpay", method="native")
    context, page = guest_browser(browser, live_server, order, DESKTOP)
    try:
        page.goto(f"{live_server.url}{start.redirect_url}")
        qr = page.locator("#wechatpay-native svg")
        expect(qr).to_be_visible()
        expect(page.get_by_role("button", name="我已完成付款")).to_be_visible()
        assert blocking_violations(page) == []

        wechatpay.pay(payment.merchant_reference)  # the buyer scans and pays
        headers, body = wechatpay.paid_notification(payment.merchant_reference)
        notify_url = wechatpay.orders[payment.merchant_reference].params["notify_url"]
        assert wechatpay.send(headers, body, notify_url) == 204

        page.wait_for_url(re.compile(rf"/orders/{order.number}/$"))
        expect(page.locator(".order-status")).to_contain_text("已付款")
        expect(page.get_by_text("付款成功")).to_be_visible()
    finally:
        context.close()
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_phone_buyer_pays_in_the_h5_cashier_and_comes_back_to_the_order_paid(
    browser, live_server, wechatpay, order
):
    payment, start = start_payment(
        order=order,
        gateway="wechatpay",
        method="h5",
        payer=Payer(device="phone", client_ip="127.0.0.1"),
    )
    context, page = guest_browser(browser, live_server, order, PHONE_360)
    try:
        page.goto(start.redirect_url)  # WeChat Pay's cashier
        page.get_by_role("button", name="确认支付").click()

        page.wait_for_url(re.compile(rf"/orders/{order.number}/$"))
        expect(page.locator(".order-status")).to_contain_text("已付款")
        expect(page.get_by_text("付款成功")).to_be_visible()
        # Nothing wider than the phone's screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_360["width"]
    finally:
        context.close()
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
