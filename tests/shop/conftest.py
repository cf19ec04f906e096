from dataclasses import dataclass

import pytest

from producers.access import provision_producer
from producers.models import ProducerMembership, ProducerPage
from shop.orders.checkout import ShippingAddress
from tests.factories import (
    ProducerPageFactory,
    ProductPageFactory,
    ProductVariantFactory,
    UserFactory,
)

ADDRESS = {
    "email": "buyer@example.com",
    "recipient": "王示例",
    "mobile": "13812345678",
    "province": "北京市",
    "city": "北京市",
    "district": "朝阳区",
    "street": "示例路1号",
}


@pytest.fixture
def address() -> ShippingAddress:
    return ShippingAddress(**{k: v for k, v in ADDRESS.items() if k != "email"})


@pytest.fixture
def two_producers():
    """Two variants from two producers: 39.80 (stock 10) and 9.90 (stock 5)."""
    tomato = ProductVariantFactory(
        product=ProductPageFactory(title="大棚番茄", parent=ProducerPageFactory()),
        name="5斤装",
        price_fen=3980,
        stock=10,
    )
    bag = ProductVariantFactory(
        product=ProductPageFactory(title="购物袋", parent=ProducerPageFactory()),
        name="单个",
        price_fen=990,
        stock=5,
    )
    return tomato, bag


@dataclass(frozen=True)
class PortalMember:
    """A producer with its page, and a member who acts for it in the portal."""

    page: ProducerPage
    user: object

    @property
    def producer(self):
        return self.page.producer


def portal_member() -> PortalMember:
    page = ProducerPageFactory()
    user = UserFactory()
    ProducerMembership.objects.create(producer=page.producer, user=user)
    provision_producer(page.producer)
    return PortalMember(page=page, user=user)


@pytest.fixture
def member_a() -> PortalMember:
    return portal_member()


@pytest.fixture
def member_b() -> PortalMember:
    return portal_member()


@pytest.fixture
def client_a(client, member_a):
    """The portal as producer A's member sees it."""
    client.force_login(member_a.user)
    return client
