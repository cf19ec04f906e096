"""The pay page offers the ways to pay that work in the buyer's browser:
WeChat's own browser, another phone browser, a desktop one."""

import pytest

from shop.orders.models import Order
from tests.shop.conftest import ADDRESS

pytestmark = pytest.mark.django_db

DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; V2307A) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
)
WECHAT = f"{PHONE} MicroMessenger/8.0.50.2701(0x28003253) NetType/WIFI Language/zh_CN"


@pytest.fixture
def two_ways(settings):
    """The dummy gateway and Stripe (keys only: the page does not call Stripe)."""
    settings.PAYMENT_GATEWAYS = ["dummy", "stripe"]
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_local"
    return settings


def place(client, variant) -> Order:
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    client.post("/checkout/", ADDRESS)
    return Order.objects.get()


def offered(response) -> list[tuple[str, str]]:
    return [(choice.gateway, choice.method) for choice in response.context["choices"]]


@pytest.mark.parametrize(
    ("agent", "methods"),
    [
        (
            DESKTOP,
            [
                ("dummy", "card"),
                ("stripe", "card"),
                ("stripe", "alipay"),
                ("stripe", "wechat_pay"),
            ],
        ),
        (PHONE, [("dummy", "card"), ("stripe", "card"), ("stripe", "alipay")]),
        (WECHAT, [("dummy", "card"), ("stripe", "card")]),
    ],
    ids=["desktop", "phone", "wechat"],
)
def test_the_methods_offered_fit_the_browser(client, two_producers, two_ways, agent, methods):
    tomato, _bag = two_producers
    order = place(client, tomato)

    response = client.get(f"/orders/{order.number}/pay/", headers={"user-agent": agent})

    assert response.status_code == 200
    assert offered(response) == methods


def test_with_several_ways_to_pay_checkout_leads_to_the_choice(client, two_producers, two_ways):
    tomato, _bag = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})

    response = client.post("/checkout/", ADDRESS)

    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.number}/pay/"
    assert not order.payments.exists()


def test_with_one_way_to_pay_checkout_starts_it(client, two_producers):
    tomato, _bag = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})

    response = client.post("/checkout/", ADDRESS)

    payment = Order.objects.get().payments.get()
    assert response["Location"] == f"/payments/dummy/{payment.pk}/"


def test_choosing_a_way_starts_that_payment(client, two_producers, two_ways):
    tomato, _bag = two_producers
    order = place(client, tomato)

    response = client.post(f"/orders/{order.number}/pay/", {"gateway": "dummy", "method": "card"})

    payment = order.payments.get()
    assert (payment.gateway, payment.method) == ("dummy", "card")
    assert response["Location"] == f"/payments/dummy/{payment.pk}/"


def test_a_gateway_not_offered_is_refused_with_a_message(client, two_producers):
    tomato, _bag = two_producers
    order = place(client, tomato)
    order.payments.all().delete()

    response = client.post(
        f"/orders/{order.number}/pay/", {"gateway": "stripe", "method": "card"}, follow=True
    )

    assert "不支持该支付方式" in response.content.decode()
    assert not order.payments.exists()


def test_a_paid_order_has_nothing_to_pay(client, two_producers):
    tomato, _bag = two_producers
    order = place(client, tomato)
    client.post(f"/payments/dummy/{order.payments.get().pk}/", {"outcome": "succeed"})

    response = client.get(f"/orders/{order.number}/pay/")

    assert response["Location"] == f"/orders/{order.number}/"


def test_the_pay_page_is_only_for_the_buyer(client, two_producers):
    tomato, _bag = two_producers
    order = place(client, tomato)

    assert client.__class__().get(f"/orders/{order.number}/pay/").status_code == 404
