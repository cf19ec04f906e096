"""pytest plugin for mutation runs (``-p mutation.db_copy``): each test process gets
its own copy of a prepared, migrated SQLite test database.

mutmut forks one process per mutant and runs pytest in it; ``--reuse-db`` then finds
the copy migrated already, so a mutant costs its tests, not a migration. A copy per
process (not one shared file) keeps two mutants running at once out of each other's
rows: a ``transaction=True`` test commits and flushes. The prepared database is made
once per run by ``mutation/run.py`` (``MUTATION_PREPARED_DB``).
"""

import os
import shutil
from pathlib import Path

import pytest

_OWN: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    prepared = Path(os.environ["MUTATION_PREPARED_DB"])
    own = prepared.with_name(f"test-{os.getpid()}.sqlite3")
    shutil.copyfile(prepared, own)
    _OWN.append(own)
    # The same dict Django's connection reads (ConnectionHandler keeps it), so this
    # also reaches a connection created before the fork.
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(own)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _OWN:
        own = _OWN.pop()
        for path in (own, Path(f"{own}-wal"), Path(f"{own}-shm")):
            path.unlink(missing_ok=True)
