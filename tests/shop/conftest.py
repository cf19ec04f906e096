from dataclasses import dataclass

import pytest

from producers.models import ProducerPage
from shop.orders.checkout import ShippingAddress
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import ADDRESS_FIELDS
from tests.township import ADDRESS as SHIPPING_ADDRESS
from tests.township import BUYER_EMAIL, add_member, add_variant

# The checkout form as a buyer fills it in.
ADDRESS = {"email": BUYER_EMAIL, **ADDRESS_FIELDS}


@pytest.fixture
def address() -> ShippingAddress:
    return SHIPPING_ADDRESS


@pytest.fixture
def two_producers():
    """Two variants from two producers: 39.80 (stock 10) and 9.90 (stock 5)."""
    tomato = add_variant("大棚番茄", name="5斤装", price_fen=3980, stock=10)
    bag = add_variant("购物袋", name="单个", price_fen=990, stock=5)
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
    return PortalMember(page=page, user=add_member(page.producer))


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
