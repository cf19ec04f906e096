"""Faults of the services the shop runs on (issue #8): each test breaks one for real."""

import socket
import threading
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from tests.shop.conftest import (  # noqa: F401  (fixtures)
    address,
    client_a,
    member_a,
    two_producers,
)
from tests.shop.payments.stripe.conftest import (  # noqa: F401  (fixtures)
    deliver,
    on_stub,
    stripe_keys,
    stripe_order,
    stripe_stub,
)


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def hung_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers on them, as a hung
    Redis does (stopped by SIGSTOP, a full disk, a network that drops replies)."""
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for sock in [*held, server]:
        sock.close()


def database_url(database: str) -> str:
    """``postgres://`` address of ``database`` on the test's server, as DATABASE_URL,
    pg_dump and psycopg all take it."""
    params = connection.get_connection_params()
    user = quote(params.get("user") or "postgres")
    password = f":{quote(params['password'])}" if params.get("password") else ""
    host = params.get("host") or "127.0.0.1"
    port = params.get("port") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{quote(database)}"


@pytest.fixture
def postgres_admin(require_postgres) -> Iterator[psycopg.Connection]:
    """A connection of our own to the server's maintenance database, outside Django."""
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        yield admin
