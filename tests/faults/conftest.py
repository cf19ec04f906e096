"""Faults of the services the shop runs on (issue #8): each test breaks one for real."""

import contextlib
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


class TcpProxy:
    """A loopback port in front of a real server (Redis) that a test can take down
    (connections refused), hang (connections accepted, nothing ever answered, the
    open ones stalled too) and bring back, without touching the shared server."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = closed_port()
        self.mode = "pass"
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"redis://127.0.0.1:{self.port}{path}"

    def up(self) -> None:
        """Forward again; connections from before are closed, as a restart would."""
        self._close_all()
        self.mode = "pass"
        self._listen()

    def down(self) -> None:
        self._close_all()

    def hang(self) -> None:
        self.mode = "hang"
        if self._listener is None:
            self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # closed by down()
            upstream = None
            if self.mode == "pass":
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                    upstream.settimeout(None)
                except OSError:
                    client.close()
                    continue
            with self._lock:
                self._sockets += [s for s in (client, upstream) if s is not None]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            if upstream is not None:
                threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, destination: socket.socket | None) -> None:
        try:
            while data := source.recv(65536):
                # Hung: whatever arrives is swallowed, in both directions.
                if self.mode == "pass" and destination is not None:
                    destination.sendall(data)
        except OSError:
            pass
        for sock in (source, destination):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _close_all(self) -> None:
        if self._listener is not None:
            # shutdown wakes the thread blocked in accept(); close alone would not.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
