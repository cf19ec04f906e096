"""查订单: order number + the order's mobile number -> a code by SMS (only when
they match, answered the same way when they do not) -> the code opens the order.
Codes are hashed, short-lived, single-use and allow a few tries."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db.models import F
from django.test import Client, override_settings

from messaging.models import OutboundMessage
from shop.accounts import lookup
from shop.accounts.models import OrderLookupCode
from tests.factories import UserFactory
from tests.shop.factories import OrderFactory

pytestmark = pytest.mark.django_db

MOBILE = "13812345678"  # the factory order's shipping mobile
ADDRESS = "203.0.113.7"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def order():
    return OrderFactory(number="LG261206ABC123", mobile=MOBILE, email="")


def ask(client, number: str, mobile: str):
    return client.post("/find-order/", {"number": number, "mobile": mobile}, REMOTE_ADDR=ADDRESS)


def sent_code() -> str:
    message = OutboundMessage.objects.get(sms_template="order_lookup_code")
    assert message.recipient == MOBILE
    return message.sms_params["code"]


def enter(client, code: str):
    return client.post("/find-order/code/", {"code": code}, REMOTE_ADDR=ADDRESS)


def can_see(client, order) -> bool:
    return client.get(f"/orders/{order.number}/").status_code == 200


def test_the_right_number_and_mobile_get_a_code_that_opens_the_order(client, order):
    response = ask(client, "lg261206abc123", "138 1234 5678")
    assert response.status_code == 302 and response["Location"] == "/find-order/code/"
    message = OutboundMessage.objects.get()
    assert message.sms_params["order"] == order.number

    response = enter(client, sent_code())

    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    assert can_see(client, order)
    assert not can_see(Client(), order)


@pytest.mark.parametrize(
    ("number", "mobile"),
    [
        pytest.param("LG261206ABC123", "13900001111", id="another-mobile"),
        pytest.param("LG261206XYZ999", MOBILE, id="unknown-order"),
    ],
)
def test_a_mismatch_is_answered_as_a_match_is_and_sends_nothing(client, order, number, mobile):
    response = ask(client, number, mobile)

    assert response.status_code == 302 and response["Location"] == "/find-order/code/"
    page = client.get("/find-order/code/").content.decode()
    assert "和手机号码相符，验证码已经用短信发到下单时的手机上" in page
    assert not OutboundMessage.objects.exists()
    assert not OrderLookupCode.objects.exists()


def test_only_the_hash_of_the_code_is_stored(client, order):
    ask(client, order.number, MOBILE)

    row = OrderLookupCode.objects.get()
    assert sent_code() not in row.code_hash and len(row.code_hash) == 64


def test_a_wrong_code_is_refused_and_the_tries_run_out(client, order):
    ask(client, order.number, MOBILE)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(lookup.MAX_ATTEMPTS):
        response = enter(client, wrong)
        assert response.status_code == 200
        assert "验证码不正确或已失效" in response.content.decode()

    assert enter(client, code).status_code == 200
    assert not can_see(client, order)


def test_an_expired_code_is_refused(client, order):
    ask(client, order.number, MOBILE)
    OrderLookupCode.objects.update(expires_at=F("created_at"))

    assert enter(client, sent_code()).status_code == 200
    assert not can_see(client, order)


def test_a_code_opens_the_order_once(client, order):
    ask(client, order.number, MOBILE)
    code = sent_code()
    enter(client, code)
    other = Client()
    session = other.session
    session["order_lookup_number"] = order.number
    session.save()

    assert enter(other, code).status_code == 200
    assert not can_see(other, order)


def test_the_code_only_opens_the_order_this_browser_asked_for(client, order):
    other_order = OrderFactory(number="LG261206DEF456", mobile=MOBILE)
    ask(client, other_order.number, MOBILE)
    OutboundMessage.objects.update(created_at=F("created_at") - timedelta(seconds=61))
    ask(Client(), order.number, MOBILE)
    code_for_order = OutboundMessage.objects.get(sms_params__order=order.number).sms_params["code"]

    enter(client, code_for_order)

    assert not can_see(client, order)


def test_an_account_order_asks_its_buyer_to_log_in(client, order):
    order.user = UserFactory()
    order.save()
    ask(client, order.number, MOBILE)

    response = enter(client, sent_code())

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/orders/")


@override_settings(SMS_LIMITS_PER_ADDRESS=[(2, 3600)])
def test_an_address_over_its_limit_is_told_so_whether_or_not_the_order_matches(client, order):
    ask(client, "LG261206XYZ999", MOBILE)
    ask(client, "LG261206XYZ998", MOBILE)

    for number in (order.number, "LG261206XYZ997"):
        response = ask(client, number, MOBILE)
        assert response.status_code == 200
        assert "短信发送太频繁" in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_a_number_over_its_limit_is_sent_nothing_and_told_nothing(client, order):
    ask(client, order.number, MOBILE)

    response = ask(Client(), order.number, MOBILE)

    assert response.status_code == 302 and response["Location"] == "/find-order/code/"
    assert OutboundMessage.objects.count() == 1


def test_the_page_is_linked_from_the_header_footer_and_log_in_page(client):
    for path in ("/", "/accounts/login/"):
        assert 'href="/find-order/"' in client.get(path).content.decode()
