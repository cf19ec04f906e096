"""PostgreSQL refuses the connection in the middle of a purchase: the buyer is told to
try again later (503), nothing is half-written, and checkout works once it is back."""

from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
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


def wsgi_get(path: str) -> int:
    """GET ``path`` through the WSGI handler as a server would call it, not the test
    client: the client turns off the per-request connection handling under test."""
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    status = []
    response = WSGIHandler()(environ, lambda line, headers, exc_info=None: status.append(line))
    b"".join(response)
    response.close()  # request_finished: the connection is kept for the next request
    return int(status[0].split()[0])


def test_the_first_request_after_a_restart_reconnects(postgres_admin):
    """PostgreSQL restarted: every persistent connection a worker holds is dead. The
    server ends this process's connections as a restart would; the next request checks
    its connection, finds it dead, opens a new one and answers."""
    assert connection.settings_dict["CONN_MAX_AGE"] > 0  # connections outlive a request
    assert wsgi_get("/cart/") == 200
    assert connection.connection is not None  # kept for the next request

    ended = postgres_admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        [connection.settings_dict["NAME"]],
    ).fetchall()
    assert ended

    assert wsgi_get("/cart/") == 200
    assert wsgi_get("/cart/") == 200
