"""Alipay under test, with no network and no real keys: the official SDK talks to a
fake Alipay (``fake.py``) on a loopback port, with RSA keys made for the session."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import urlopen

import pytest
from django.test import Client

from shop.orders.checkout import place_order
from shop.orders.models import Order
from shop.orders.ownership import SESSION_KEY
from shop.payments.models import Payment
from shop.payments.services import start_payment
from tests.shop.payments.alipay.fake import FakeAlipay, KeyPair, serving_fake

APP_ID = "2021000000000001"
NOTIFY_URL = "/payments/alipay/notify/"  # fixed: it is sent with every payment


@dataclass(frozen=True)
class Keys:
    app: KeyPair  # ours: the app's private key signs our requests
    alipay: KeyPair  # "Alipay's": its public key verifies what Alipay signs
    stranger: KeyPair  # anyone else's, for forgeries
    app_private_path: Path
    alipay_public_path: Path


@pytest.fixture(scope="session")
def alipay_keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    folder = tmp_path_factory.mktemp("alipay-keys")
    app, alipay = KeyPair.generate(), KeyPair.generate()
    (folder / "app_private_key.pem").write_text(app.private_pem)
    (folder / "alipay_public_key.pem").write_text(alipay.public_pem)
    return Keys(
        app=app,
        alipay=alipay,
        stranger=KeyPair.generate(),
        app_private_path=folder / "app_private_key.pem",
        alipay_public_path=folder / "alipay_public_key.pem",
    )


@pytest.fixture
def fake_alipay(alipay_keys: Keys) -> Iterator[FakeAlipay]:
    fake = FakeAlipay(app_id=APP_ID, app_keys=alipay_keys.app, alipay_keys=alipay_keys.alipay)
    with serving_fake(fake):
        yield fake


def configure(settings, fake: FakeAlipay) -> None:
    """Alipay as the gateway, its server the fake (what the settings read from the
    environment: keys from files, ALIPAY_GATEWAY_URL)."""
    settings.PAYMENT_GATEWAYS = ["alipay"]
    settings.ALIPAY_APP_ID = fake.app_id
    settings.ALIPAY_PRIVATE_KEY = fake.app_keys.private_pem
    settings.ALIPAY_PUBLIC_KEY = fake.alipay_keys.public_pem
    settings.ALIPAY_GATEWAY_URL = fake.gateway_url


@pytest.fixture
def on_fake(settings, fake_alipay: FakeAlipay) -> FakeAlipay:
    configure(settings, fake_alipay)
    return fake_alipay


@pytest.fixture
def alipay_order(two_producers, address) -> Order:
    """An order awaiting payment through Alipay: 3 tomatoes and 2 bags."""
    tomato, bag = two_producers
    return place_order(
        items=[(tomato.pk, 3), (bag.pk, 2)],
        email="buyer@example.com",
        address=address,
        gateway="alipay",
    )


def open_cashier(redirect_url: str) -> str:
    """The buyer's browser opens the cashier address (which opens the trade at Alipay)."""
    with urlopen(redirect_url, timeout=10) as response:
        return response.read().decode()


@pytest.fixture
def page_payment(on_fake: FakeAlipay, alipay_order: Order) -> Payment:
    """A desktop payment whose cashier the buyer has opened: a trade waiting at Alipay."""
    payment, start = start_payment(order=alipay_order, gateway="alipay", method="page")
    open_cashier(start.redirect_url)
    return payment


@pytest.fixture
def deliver():
    """Post a notification's fields to our notify address, form-encoded as Alipay does."""

    def post(params: dict[str, str], *, client: Client | None = None):
        return (client or Client()).post(
            NOTIFY_URL,
            data=urlencode(params),
            content_type="application/x-www-form-urlencoded; charset=utf-8",
        )

    return post


@pytest.fixture
def buyer_client(client, alipay_order: Order):
    """The guest who placed ``alipay_order`` (the order is in their session)."""
    session = client.session
    session[SESSION_KEY] = [alipay_order.number]
    session.save()
    return client


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
