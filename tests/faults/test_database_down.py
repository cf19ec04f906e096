"""PostgreSQL refuses the connection in the middle of a purchase: the buyer is told to
try again later (503), nothing is half-written, and checkout works once it is back."""

import pytest
from django.db import connection, connections
from django.test import Client

from shop.catalogue.models import ProductVariant
from shop.orders.models import Order
from tests.shop.conftest import ADDRESS

pytestmark = [
    pytest.mark.postgres,
    # Real connections: the test closes Django's, and PostgreSQL refuses the next one.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_refused_connection_gives_a_503_page_and_checkout_works_after(
    postgres_admin, two_producers
):
    tomato, _bag = two_producers
    buyer = Client(raise_request_exception=False)
    buyer.post("/cart/add/", {"variant": tomato.pk, "quantity": 2})
    database = connection.settings_dict["NAME"]
    # ALLOW_CONNECTIONS false refuses everyone, superusers too, as a server that is
    # restarting or out of connection slots would.
    postgres_admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    try:
        connections.close_all()

        response = buyer.post("/checkout/", ADDRESS)
    finally:
        postgres_admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "服务暂时不可用，请稍后再试" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert not Order.objects.exists()
    assert ProductVariant.objects.get(pk=tomato.pk).stock == 10

    response = buyer.post("/checkout/", ADDRESS)

    order = Order.objects.get()
    assert response.status_code == 302
    assert order.lines.get().quantity == 2
    assert ProductVariant.objects.get(pk=tomato.pk).stock == 8
