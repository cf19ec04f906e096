"""WeChat Pay under test, with no network and no real keys: the official SDK
talks to the fake WeChat Pay of ``fake.py``, with RSA keys made for the session.

- ``wechatpay``: WeChat Pay configured as the gateway, pointed at the fake
  (emptied for each test), which it returns.
- ``deliver``: posts a notification (headers, body) to our notify address.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from shop.orders.checkout import place_order
from shop.orders.models import Order
from shop.orders.ownership import SESSION_KEY
from tests.shop.payments.wechatpay.fake import FakeWeChatPay, Keys, configure, serve

NOTIFY_URL = "/payments/wechatpay/notify/"  # fixed: WeChat Pay is told it with each order
REFUND_NOTIFY_URL = "/payments/wechatpay/refund-notify/"


@pytest.fixture(scope="session")
def wechatpay_keys() -> Keys:
    return Keys.generate()


@pytest.fixture(scope="session")
def wechatpay_server(wechatpay_keys: Keys) -> Iterator[FakeWeChatPay]:
    yield from serve(FakeWeChatPay(wechatpay_keys))


@pytest.fixture
def wechatpay(settings, wechatpay_server: FakeWeChatPay) -> FakeWeChatPay:
    return configure(settings, wechatpay_server)


Deliver = Callable[..., Any]


@pytest.fixture
def deliver(wechatpay) -> Deliver:
    """Post a notification, as (headers, body), to our notify address."""

    def post(notification: tuple[dict[str, str], str], *, url: str = NOTIFY_URL, client=None):
        headers, body = notification
        return (client or Client()).post(
            url, data=body, content_type="application/json", headers=headers
        )

    return post


@pytest.fixture
def wechatpay_order(wechatpay, two_producers, address) -> Order:
    """An order awaiting payment through WeChat Pay: 3 tomatoes and 2 bags."""
    tomato, bag = two_producers
    return place_order(
        items=[(tomato.pk, 3), (bag.pk, 2)],
        email="buyer@example.com",
        address=address,
        gateway="wechatpay",
    )


@pytest.fixture
def buyer_client(client, wechatpay_order: Order):
    """The guest who placed ``wechatpay_order`` (the order is in their session)."""
    session = client.session
    session[SESSION_KEY] = [wechatpay_order.number]
    session.save()
    return client
