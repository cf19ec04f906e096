"""Racing threads, each on its own database connection, on PostgreSQL or on SQLite.

On SQLite the test database lives in memory with a shared cache, where a second
writer fails at once ("database table is locked") instead of waiting its turn as
it does on a database file. ``own_connections`` therefore runs a race on a file
copy of the test database, opened with the project's own connection options
(IMMEDIATE transactions, the busy timeout, WAL), as the site runs on SQLite.
"""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client

# The database backends a race runs on, as test parameters.
DATABASES = [
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("sqlite", marks=pytest.mark.sqlite),
]

# How many threads race. SQLite lets one writer in at a time and the others wait
# up to its busy timeout (20 s): on a loaded CI machine twenty requests in a row
# can outlast it, so fewer race there (the point on SQLite is no error, not load).
RACERS = {"postgresql": 20, "sqlite": 6}


@contextmanager
def own_connections(vendor: str, directory: Path) -> Iterator[None]:
    """Connections in every thread, this one included, to the test database as
    committed so far (``directory`` takes SQLite's file copy)."""
    # Each case runs only on its own database: the markers see to it (tests/conftest.py).
    assert connection.vendor == vendor
    if vendor != "sqlite":
        yield
        return
    copy = directory / "race.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(copy)) as target:
        connection.connection.backup(target)
        # WAL once, here: racers each switching a fresh file to WAL at the same moment
        # need its exclusive lock, and SQLite may refuse them without waiting (found by CI).
        target.execute("PRAGMA journal_mode=WAL")
    in_memory, main = connections.settings["default"], connections["default"]
    # New threads connect with these settings; this thread gets a connection of its own.
    connections.settings["default"] = {**in_memory, "NAME": str(copy)}
    connections["default"] = connections.create_connection("default")
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = main
        connections.settings["default"] = in_memory


def race[T](count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(0)`` ... ``work(count - 1)`` in as many threads, released at
    once; their results in order. An exception in any of them fails the test."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = work(index)
        except BaseException as error:  # handed to the test below
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors
    return results


def same_browser(client: Client) -> Client:
    """Another request from ``client``'s browser: its cookies, so its session."""
    other = Client()
    other.cookies = type(client.cookies)(client.cookies)
    return other
