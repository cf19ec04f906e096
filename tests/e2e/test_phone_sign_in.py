"""On a phone (360 px wide): a buyer signs up with a mobile number, verifies it
with the SMS code, logs out and logs in again by SMS code; a guest finds an
order again on another device with its number and a code texted to its mobile.
The codes are read from the outbox rows, as the buyer reads their SMS."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F
from playwright.sync_api import expect

from messaging.models import OutboundMessage
from tests.shop.factories import OrderFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SMALL_PHONE = {"width": 360, "height": 740}
MOBILE = "13812345678"
PASSWORD = "tomato-greenhouse-42"


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport=SMALL_PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sms_code(template: str) -> str:
    message = OutboundMessage.objects.filter(recipient=MOBILE, sms_template=template).latest(
        "created_at", "pk"
    )
    return message.sms_params["code"]


def a_minute_passes() -> None:
    # One text a minute per number: the next code is asked for a minute later.
    OutboundMessage.objects.update(created_at=F("created_at") - timedelta(seconds=61))


def test_sign_up_with_a_mobile_number_then_log_in_by_sms_code(phone, live_server):
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_role("link", name="用手机号注册").click()
    mobile = phone.get_by_label("手机号码")
    expect(mobile).to_have_attribute("type", "tel")
    expect(mobile).to_have_attribute("inputmode", "numeric")
    mobile.fill("138 1234 5678")
    phone.get_by_label("密码", exact=False).first.fill(PASSWORD)
    phone.get_by_label("密码（重复）").fill(PASSWORD)
    phone.get_by_role("button", name="注册").click()

    phone.wait_for_url(re.compile(r"/accounts/phone/verify/$"))
    code = phone.get_by_label("验证码")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    code.fill(sms_code("login_code"))
    phone.get_by_role("button", name="确认").click()
    # Signed in: the tab bar's 我的 leads to the orders page, where one logs out.
    me = phone.get_by_role("navigation", name="快捷导航").get_by_role("link", name="我的")
    expect(me).to_have_attribute("href", "/account/orders/")
    buyer = get_user_model().objects.get(buyer_phone__phone=MOBILE)
    assert buyer.buyer_phone.verified and buyer.email == ""

    me.click()
    phone.get_by_role("button", name="退出登录").click()
    expect(me).to_have_attribute("href", "/accounts/login/")
    a_minute_passes()
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_role("link", name="用短信验证码登录").click()
    phone.get_by_label("手机号码").fill(MOBILE)
    phone.get_by_role("button", name="获取验证码").click()
    phone.wait_for_url(re.compile(r"/accounts/login/code/confirm/"))
    phone.get_by_label("验证码").fill(sms_code("login_code"))
    phone.get_by_role("button", name=re.compile("登录|确认")).click()

    expect(me).to_have_attribute("href", "/account/orders/")


def test_a_guest_finds_an_order_again_on_another_device(phone, live_server):
    order = OrderFactory(number="LG261206ABC123", mobile=MOBILE, email="")

    phone.goto(live_server.url + "/accounts/login/")
    phone.get_by_role("link", name="查订单").first.click()
    phone.get_by_label("订单号").fill("lg261206abc123")
    phone.get_by_label("下单时填写的手机号码").fill("138-1234-5678")
    phone.get_by_role("button", name="获取短信验证码").click()
    phone.wait_for_url(re.compile(r"/find-order/code/$"))
    code = phone.get_by_label("短信验证码")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    code.fill(sms_code("order_lookup_code"))
    phone.get_by_role("button", name="查看订单").click()

    phone.wait_for_url(re.compile(rf"/orders/{order.number}/$"))
    expect(phone.get_by_role("heading", level=1)).to_contain_text(order.number)
