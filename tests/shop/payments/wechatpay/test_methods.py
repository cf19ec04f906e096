"""Starting a WeChat Pay payment by each method (Native QR code, H5, JSAPI), what
we send WeChat Pay, and the pages the buyer sees, against the fake WeChat Pay."""

import base64
import json
import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.urls import reverse

from shop.orders.models import Order
from shop.payments.gateway import Payer, PaymentError, get_gateway
from shop.payments.models import Payment
from shop.payments.services import start_payment
from shop.payments.wechatpay.views import SESSION_OPENID
from tests.shop.payments.wechatpay.fake import APPID, MCHID, SITE_URL

pytestmark = pytest.mark.django_db

PHONE = Payer(device="phone", client_ip="203.0.113.7")


def prepays(fake, kind: str) -> list[dict]:
    return [data for method, path, data in fake.requests if path == f"/v3/pay/transactions/{kind}"]


def test_methods_follow_the_browser(wechatpay):
    gateway = get_gateway("wechatpay")

    assert gateway.methods_for(device="wechat") == ("jsapi",)
    assert gateway.methods_for(device="phone") == ("h5",)
    assert gateway.methods_for(device="desktop") == ("native",)


def test_native_creates_the_order_at_wechat_pay_and_shows_our_qr_page(wechatpay, wechatpay_order):
    payment, start = start_payment(order=wechatpay_order, gateway="wechatpay", method="native")

    [sent] = prepays(wechatpay, "native")
    assert sent == {
        "notify_url": f"{SITE_URL}/payments/wechatpay/notify/",
        "description": f"刘垓子镇消费帮扶商城订单 {wechatpay_order.number}",
        "out_trade_no": payment.merchant_reference,
        "amount": {"total": wechatpay_order.total_fen, "currency": "CNY"},
        "time_expire": sent["time_expire"],
        "appid": APPID,
        "mchid": MCHID,
    }
    # The order's deadline, in Beijing time.
    assert sent["time_expire"].endswith("+08:00")
    deadline = wechatpay_order.expires_at.replace(microsecond=0)
    assert datetime.fromisoformat(sent["time_expire"]) == deadline
    assert start.redirect_url == reverse("wechatpay_native", args=[payment.pk])
    payment.refresh_from_db()
    assert payment.action_url.startswith("weixin://wxpay/bizpayurl?pr=")


def test_the_qr_page_draws_the_code_in_the_page_and_polls(wechatpay, wechatpay_order, buyer_client):
    payment, start = start_payment(order=wechatpay_order, gateway="wechatpay", method="native")

    response = buyer_client.get(start.redirect_url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<path" in html  # the QR code itself, no image to fetch
    assert "扫一扫" in html
    assert "我已完成付款" in html
    assert reverse("wechatpay_status", args=[payment.pk]) in html
    assert "js/wechatpay_native.js" in html
    assert buyer_client.get(reverse("wechatpay_status", args=[payment.pk])).json() == {
        "status": "pending"
    }


def test_ten_clicks_create_one_order_at_wechat_pay(wechatpay, wechatpay_order, buyer_client):
    first, _start = start_payment(order=wechatpay_order, gateway="wechatpay", method="native")
    for _click in range(9):
        again, _start = start_payment(order=wechatpay_order, gateway="wechatpay", method="native")
        assert again.pk == first.pk
    buyer_client.get(reverse("wechatpay_native", args=[first.pk]))

    assert len(prepays(wechatpay, "native")) == 1
    assert list(wechatpay.orders) == [first.merchant_reference]


def test_wechat_pay_answers_a_repeat_with_the_same_code_and_refuses_other_parameters(
    wechatpay, wechatpay_order
):
    payment, _start = start_payment(order=wechatpay_order, gateway="wechatpay", method="native")
    code_url = payment.action_url
    gateway = get_gateway("wechatpay")
    Payment.objects.filter(pk=payment.pk).update(action_url="")
    payment.refresh_from_db()

    assert gateway.code_url(payment=payment) == code_url  # WeChat Pay's own idempotency

    payment.amount_fen += 1
    payment.action_url = ""
    with pytest.raises(PaymentError):
        gateway.code_url(payment=payment)


def test_h5_sends_the_buyers_address_and_comes_back_to_our_return_page(wechatpay, wechatpay_order):
    payment, start = start_payment(
        order=wechatpay_order, gateway="wechatpay", method="h5", payer=PHONE
    )

    [sent] = prepays(wechatpay, "h5")
    assert sent["scene_info"] == {"payer_client_ip": "203.0.113.7", "h5_info": {"type": "Wap"}}
    assert start.redirect_url.startswith(f"{wechatpay.base_url}/h5/pay?prepay_id=")
    query = parse_qs(urlsplit(start.redirect_url).query)
    assert query["redirect_url"] == [f"{SITE_URL}{reverse('wechatpay_return', args=[payment.pk])}"]


def test_the_return_page_asks_wechat_pay_and_shows_the_order_paid(
    wechatpay, wechatpay_order, buyer_client
):
    payment, _start = start_payment(
        order=wechatpay_order, gateway="wechatpay", method="h5", payer=PHONE
    )
    wechatpay.pay(payment.merchant_reference)  # no notification yet

    response = buyer_client.get(reverse("wechatpay_return", args=[payment.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("order_detail", args=[wechatpay_order.number])
    assert "付款成功" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.external_id == wechatpay.orders[payment.merchant_reference].transaction_id
    assert Order.objects.get(pk=wechatpay_order.pk).status == Order.Status.PAID


def test_the_return_page_of_an_unpaid_payment_says_so_and_records_nothing(
    wechatpay, wechatpay_order, buyer_client
):
    payment, _start = start_payment(
        order=wechatpay_order, gateway="wechatpay", method="h5", payer=PHONE
    )

    response = buyer_client.get(reverse("wechatpay_return", args=[payment.pk]), follow=True)

    assert "确认到账后订单状态会自动更新" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_i_have_paid_asks_wechat_pay(wechatpay, wechatpay_order, buyer_client):
    payment, start = start_payment(order=wechatpay_order, gateway="wechatpay", method="native")

    unpaid = buyer_client.post(start.redirect_url, follow=True)
    assert unpaid.redirect_chain[-1][0] == start.redirect_url
    assert "还没有收到这笔付款" in unpaid.content.decode()

    wechatpay.pay(payment.merchant_reference)
    paid = buyer_client.post(start.redirect_url, follow=True)
    assert paid.redirect_chain[-1][0] == reverse("order_detail", args=[wechatpay_order.number])
    assert "付款成功" in paid.content.decode()


def test_a_refused_start_fails_the_payment_so_the_next_click_starts_afresh(
    wechatpay, wechatpay_order
):
    with pytest.raises(PaymentError):  # H5 without the buyer's address
        start_payment(order=wechatpay_order, gateway="wechatpay", method="h5", payer=Payer())

    assert Payment.objects.get().status == Payment.Status.FAILED
    payment, _start = start_payment(
        order=wechatpay_order, gateway="wechatpay", method="h5", payer=PHONE
    )
    assert payment.status == Payment.Status.PENDING


def test_jsapi_gets_the_openid_by_oauth_then_signs_the_bridge_parameters(
    wechatpay, wechatpay_order, buyer_client
):
    payment, start = start_payment(
        order=wechatpay_order, gateway="wechatpay", method="jsapi", payer=Payer(device="wechat")
    )
    assert not wechatpay.orders  # the prepay needs the openid first

    to_oauth = buyer_client.get(start.redirect_url)
    assert to_oauth.status_code == 302
    authorize = urlsplit(to_oauth["Location"])
    assert authorize.fragment == "wechat_redirect"
    assert parse_qs(authorize.query)["scope"] == ["snsapi_base"]
    # WeChat's OAuth page sends the buyer back to us with a code.
    back = requests.get(to_oauth["Location"], allow_redirects=False, timeout=5)
    callback = urlsplit(back.headers["Location"])
    assert callback.path == reverse("wechatpay_oauth")

    to_page = buyer_client.get(f"{callback.path}?{callback.query}")
    assert to_page["Location"] == start.redirect_url
    assert buyer_client.session[SESSION_OPENID] == wechatpay.openid
    page = buyer_client.get(start.redirect_url)

    assert page.status_code == 200
    [sent] = prepays(wechatpay, "jsapi")
    assert sent["payer"] == {"openid": wechatpay.openid}
    html = page.content.decode()
    bridge = json.loads(
        re.search(r'<script id="wechatpay-bridge" type="application/json">(.*?)</script>', html)[1]
    )
    assert bridge["appId"] == APPID
    assert bridge["signType"] == "RSA"
    prepay_id = wechatpay.orders[payment.merchant_reference].answer["prepay_id"]
    assert bridge["package"] == f"prepay_id={prepay_id}"
    signed = "\n".join(
        [bridge["appId"], bridge["timeStamp"], bridge["nonceStr"], bridge["package"], ""]
    )
    wechatpay.keys.merchant.public_key().verify(  # raises if the signature is wrong
        base64.b64decode(bridge["paySign"]), signed.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert "js/wechatpay_jsapi.js" in html


def test_an_oauth_answer_for_another_session_is_refused(wechatpay, wechatpay_order, buyer_client):
    _payment, start = start_payment(order=wechatpay_order, gateway="wechatpay", method="jsapi")
    buyer_client.get(start.redirect_url)

    forged = buyer_client.get(reverse("wechatpay_oauth"), {"code": "x", "state": "not-ours"})

    assert forged.status_code == 404
    assert SESSION_OPENID not in buyer_client.session


def test_a_bad_oauth_code_sends_the_buyer_back_to_the_order(
    wechatpay, wechatpay_order, buyer_client
):
    _payment, start = start_payment(order=wechatpay_order, gateway="wechatpay", method="jsapi")
    to_oauth = buyer_client.get(start.redirect_url)
    state = parse_qs(urlsplit(to_oauth["Location"]).query)["state"][0]

    response = buyer_client.get(
        reverse("wechatpay_oauth"), {"code": "made-up", "state": state}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("order_detail", args=[wechatpay_order.number])
    assert "无法取得您的微信身份" in response.content.decode()
    assert SESSION_OPENID not in buyer_client.session


def test_another_buyer_cannot_see_the_payment_pages(wechatpay, wechatpay_order, client):
    payment, start = start_payment(order=wechatpay_order, gateway="wechatpay", method="native")

    assert client.get(start.redirect_url).status_code == 404
    assert client.get(reverse("wechatpay_status", args=[payment.pk])).status_code == 404
    assert client.get(reverse("wechatpay_return", args=[payment.pk])).status_code == 404


@pytest.mark.parametrize(
    ("agent", "method", "lands_on"),
    [
        ("Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0", "native", "/payments/wechatpay/"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile Safari", "h5", "/h5/pay?"),
        ("Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0.49", "jsapi", "/payments/wechatpay/"),
    ],
    ids=["desktop", "phone", "wechat"],
)
def test_the_pay_page_offers_the_method_of_the_browser_and_starts_it(
    wechatpay, wechatpay_order, buyer_client, agent, method, lands_on
):
    pay_url = reverse("order_pay", args=[wechatpay_order.number])

    page = buyer_client.get(pay_url, headers={"User-Agent": agent})
    assert f'value="{method}"' in page.content.decode()
    response = buyer_client.post(
        pay_url, {"gateway": "wechatpay", "method": method}, headers={"User-Agent": agent}
    )

    assert response.status_code == 302
    assert lands_on in response["Location"]
    assert Payment.objects.get().method == method
