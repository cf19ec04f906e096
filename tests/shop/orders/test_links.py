import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import signing

from shop.orders.links import order_from_token, order_link
from tests.shop.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _path(link: str) -> str:
    return link.removeprefix("http://shop.example")


def test_a_link_is_absolute_on_the_site_url(settings):
    settings.SITE_URL = "http://shop.example/"
    order = OrderFactory(user=None)
    link = order_link(order)
    assert link.startswith("http://shop.example/o/")
    assert order_from_token(link.rstrip("/").rsplit("/", 1)[1]) == order


def test_a_guest_opens_their_order_from_a_link_on_another_device(client, settings):
    settings.SITE_URL = "http://shop.example"
    order = OrderFactory(user=None)
    assert client.get(f"/orders/{order.number}/").status_code == 404
    response = client.get(_path(order_link(order)))
    assert response.status_code == 302 and response.url == f"/orders/{order.number}/"
    assert client.get(response.url).status_code == 200


def test_an_altered_or_forged_link_opens_nothing(client, settings):
    settings.SITE_URL = "http://shop.example"
    order = OrderFactory(user=None)
    other = OrderFactory(user=None)
    token = _path(order_link(order)).split("/")[2]
    assert client.get(f"/o/{token[:-2]}xx/").status_code == 404
    forged = signing.dumps(other.number, salt="another.salt", compress=True)
    assert client.get(f"/o/{forged}/").status_code == 404
    assert client.get(f"/orders/{other.number}/").status_code == 404


def test_a_link_expires_after_its_validity(client, settings, monkeypatch):
    settings.SITE_URL = "http://shop.example"
    order = OrderFactory(user=None)
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now - timedelta(days=179).total_seconds())
    still_valid = _path(order_link(order))
    monkeypatch.setattr(signing.time, "time", lambda: now - timedelta(days=181).total_seconds())
    expired = _path(order_link(order))
    monkeypatch.undo()
    assert client.get(expired).status_code == 404
    assert client.get(still_valid).status_code == 302


def test_an_account_order_asks_its_buyer_to_log_in_and_grants_nobody_else(client, settings):
    settings.SITE_URL = "http://shop.example"
    buyer = get_user_model().objects.create_user("b", "b@example.com", "pw-long-enough-1")
    order = OrderFactory(user=buyer)
    response = client.get(_path(order_link(order)))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.get(f"/orders/{order.number}/").status_code == 404
