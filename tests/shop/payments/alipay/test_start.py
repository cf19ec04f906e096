"""Starting an Alipay payment: the cashier's address, signed by us, carrying our fields."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import translation

from shop.orders.checkout import place_order
from shop.payments.alipay.gateway import AlipayGateway
from shop.payments.gateway import Payer, PaymentError, get_gateway
from shop.payments.services import start_payment
from tests.shop.payments.alipay.conftest import APP_ID, open_cashier
from tests.shop.payments.alipay.fake import BEIJING
from tests.township import add_variant

pytestmark = pytest.mark.django_db


def test_alipay_is_a_registered_gateway(on_fake):
    assert isinstance(get_gateway("alipay"), AlipayGateway)


@pytest.mark.parametrize(
    ("device", "methods"), [("desktop", ("page",)), ("phone", ("wap",)), ("wechat", ())]
)
def test_each_browser_is_offered_the_cashier_it_can_open(device, methods):
    assert AlipayGateway().methods_for(device=device) == methods


def test_a_desktop_payment_goes_to_the_cashier_page_with_our_signed_fields(
    on_fake, alipay_order, settings
):
    payment, start = start_payment(order=alipay_order, gateway="alipay", method="page")

    assert start.redirect_url.startswith(f"{on_fake.gateway_url}?")
    assert "确认付款" in open_cashier(start.redirect_url)  # the cashier, not an error page
    assert on_fake.refused == []  # our signature, app id and timestamp checked out
    call = on_fake.calls[-1]
    assert call.method == "alipay.trade.page.pay"
    assert call.params["app_id"] == APP_ID
    assert call.params["sign_type"] == "RSA2"
    base = settings.WAGTAILADMIN_BASE_URL
    assert call.params["return_url"] == f"{base}/payments/alipay/{payment.pk}/return/"
    assert call.params["notify_url"] == f"{base}/payments/alipay/notify/"
    assert call.biz == {
        "subject": "大棚番茄、购物袋",
        "out_trade_no": payment.merchant_reference,
        "total_amount": "149.20",  # 3 × 39.80 + 2 × 9.90 + 10.00 shipping
        "product_code": "FAST_INSTANT_TRADE_PAY",
        "time_expire": alipay_order.expires_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
    }
    assert on_fake.trades[payment.merchant_reference].amount_fen == alipay_order.total_fen


def test_the_deadline_is_sent_in_beijing_time_whatever_the_servers_zone(
    on_fake, alipay_order, settings
):
    settings.TIME_ZONE = "UTC"
    _payment, start = start_payment(order=alipay_order, gateway="alipay", method="page")

    biz = dict(parse_qsl(urlsplit(start.redirect_url).query))["biz_content"]
    deadline = alipay_order.expires_at.astimezone(BEIJING)
    assert f'"time_expire":"{deadline:%Y-%m-%d %H:%M:%S}"' in biz


def test_a_phone_payment_goes_to_the_wap_cashier_and_can_quit_back_to_the_order(
    on_fake, alipay_order, settings
):
    payment, start = start_payment(
        order=alipay_order, gateway="alipay", method="wap", payer=Payer(device="phone")
    )

    page = open_cashier(start.redirect_url)
    call = on_fake.calls[-1]
    assert call.method == "alipay.trade.wap.pay"
    assert call.biz["product_code"] == "QUICK_WAP_PAY"
    assert call.biz["out_trade_no"] == payment.merchant_reference
    order_url = f"{settings.WAGTAILADMIN_BASE_URL}/orders/{alipay_order.number}/"
    assert call.biz["quit_url"] == order_url
    assert f'href="{order_url}"' in page
    assert on_fake.refused == []


def test_characters_alipay_refuses_in_a_subject_are_left_out(on_fake, address):
    variant = add_variant("番茄/黄瓜=2斤&茄子", name="组合装", price_fen=2990, stock=5)
    order = place_order(
        items=[(variant.pk, 1)], email="buyer@example.com", address=address, gateway="alipay"
    )
    _payment, start = start_payment(order=order, gateway="alipay", method="page")

    open_cashier(start.redirect_url)
    assert on_fake.calls[-1].biz["subject"] == "番茄 黄瓜 2斤 茄子"


def test_repeated_clicks_continue_one_trade_at_alipay(on_fake, alipay_order):
    first, first_start = start_payment(order=alipay_order, gateway="alipay", method="page")
    open_cashier(first_start.redirect_url)
    with translation.override("en"):  # the buyer switched language in between
        again, again_start = start_payment(order=alipay_order, gateway="alipay", method="page")

    page = open_cashier(again_start.redirect_url)

    assert again.pk == first.pk
    assert [call.biz["out_trade_no"] for call in on_fake.calls] == [first.merchant_reference] * 2
    assert "确认付款" in page  # the same trade, not ACQ.CONTEXT_INCONSISTENT
    assert len(on_fake.trades) == 1


def test_the_fake_refuses_a_cashier_address_changed_after_signing(on_fake, alipay_order):
    # So the test above can fail: the fake really checks our signature.
    _payment, start = start_payment(order=alipay_order, gateway="alipay", method="page")

    page = open_cashier(start.redirect_url.replace("149.20", "1.49"))

    assert "isv.invalid-signature" in page
    assert on_fake.trades == {}


def test_a_buyer_choosing_wap_on_the_order_page_is_sent_to_the_wap_cashier(
    on_fake, alipay_order, buyer_client
):
    response = buyer_client.post(
        f"/orders/{alipay_order.number}/pay/",
        {"gateway": "alipay", "method": "wap"},
        headers={"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile"},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(on_fake.gateway_url)
    open_cashier(response["Location"])
    assert on_fake.calls[-1].method == "alipay.trade.wap.pay"


def test_an_unknown_method_is_refused(on_fake, alipay_order):
    with pytest.raises(PaymentError):
        start_payment(order=alipay_order, gateway="alipay", method="qr")
