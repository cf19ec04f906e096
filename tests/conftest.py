"""Fixtures for the whole suite, and the CI rule for services.

Tests that need a service carry a marker: ``postgres`` (DATABASE_URL is PostgreSQL),
``redis`` (CACHE_URL is Redis), ``worker`` (CELERY_BROKER_URL names a real broker) or
``e2e`` (Chromium is installed).
Without the service such a test skips, except with ``CI=true``, where it fails: CI must
never go green by silently skipping what it was meant to run.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import pytest
from celery.result import _set_task_join_will_block
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.management.color import no_style
from django.db import connection
from django.test.utils import override_settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings

# The small township's fixtures (tomato, aid_pool, clock, township, ...), for every suite.
pytest_plugins = ["tests.township"]

IN_CI = os.environ.get("CI", "").lower() == "true"

# CI draws the same examples on every run (a red build can be run again and fails
# the same way) and more of them for the money properties; a test that sets its own
# max_examples (the ledger's, whose every example builds a township) keeps it.
hypothesis_settings.register_profile("ci", derandomize=True, max_examples=500, deadline=None)
hypothesis_settings.load_profile("ci" if IN_CI else "default")
SERVICE_MARKERS = ("postgres", "redis", "worker", "e2e")
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def needs_service(reason: str) -> NoReturn:
    """Skip for a missing service, or fail under CI=true."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service fails, it does not skip)", pytrace=False)
    pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    # The production hasher is slow on purpose (about a second per password here);
    # the suite types thousands of passwords and checks log-ins, not the hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A test that uses the real worker is a worker test, so `-m "not worker"` leaves it out.
    for item in items:
        if "celery_worker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.worker)
    # A race's SQLite run is not collected on PostgreSQL (its PostgreSQL run is).
    if "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        sqlite_only = [item for item in items if item.get_closest_marker("sqlite")]
        if sqlite_only:
            config.hook.pytest_deselected(items=sqlite_only)
            items[:] = [item for item in items if not item.get_closest_marker("sqlite")]
    # The longest tests start first: last in collection order, the demo year (two
    # minutes on PostgreSQL) kept one xdist worker busy alone at the end of the run.
    # pytest-django's stable sort keeps them among the tests of their own kind.
    items.sort(key=lambda item: item.get_closest_marker("longest") is None)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        needs_service("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if item.get_closest_marker("redis") and not isinstance(caches["default"], RedisCache):
        needs_service("needs a Redis cache: set CACHE_URL=redis://...")
    if item.get_closest_marker("worker") and settings.CELERY_TASK_ALWAYS_EAGER:
        needs_service("needs a Celery broker: set CELERY_BROKER_URL=redis://...")
    if item.get_closest_marker("e2e") and not os.access(CHROMIUM_PATH, os.X_OK):
        needs_service(f"needs Chromium at {CHROMIUM_PATH} (apt-get install chromium)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    # Catches skips that bypass needs_service (skipif, importorskip) in service tests.
    report: pytest.TestReport = yield
    if (
        IN_CI
        and report.skipped
        and not hasattr(report, "wasxfail")
        and any(item.get_closest_marker(name) for name in SERVICE_MARKERS)
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"{reason} (CI=true: a service test may not skip)"
    return report


@pytest.fixture(scope="session", autouse=True)
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Uploads and renditions go to a temporary folder, never into var/media."""
    media = tmp_path_factory.mktemp("media")
    with pytest.MonkeyPatch.context() as patch, override_settings(MEDIA_ROOT=str(media)):
        patch.setenv("MEDIA_ROOT", str(media))  # for subprocesses such as the Celery worker
        yield media


@pytest.fixture(scope="session", autouse=True)
def cache_per_xdist_worker() -> Iterator[None]:
    """Under pytest-xdist (CI runs ``-n auto``) each process gets its own Redis
    database (15, 13, 11, ... from CACHE_URL's), so one process emptying its cache
    between tests never empties another's in the middle of a test."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    location = str(settings.CACHES["default"].get("LOCATION", ""))
    if not worker.startswith("gw") or not location.startswith("redis://"):
        yield
        return
    url = urlsplit(location)
    database = int(url.path.strip("/") or 0) - 2 * int(worker.removeprefix("gw"))
    if database < 0:
        pytest.fail(f"no Redis database left for xdist worker {worker}", pytrace=False)
    caches_setting = {
        **settings.CACHES,
        "default": {
            **settings.CACHES["default"],
            "LOCATION": url._replace(path=f"/{database}").geturl(),
        },
    }
    with override_settings(CACHES=caches_setting):
        yield


@pytest.fixture(autouse=True)
def empty_caches(cache_per_xdist_worker: None) -> None:
    """Each test starts with empty caches, so nothing cached by an earlier test (or, with
    Redis, an earlier run) leaks in: Wagtail caches site root paths, for one."""
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def sms_sent() -> Iterator[list]:
    """Text messages go to the locmem backend's list, emptied for each test, as
    Django's test runner does for e-mail (mail.outbox)."""
    from messaging.sms import backends

    backends.sent.clear()
    with override_settings(SMS_BACKEND="locmem"):
        yield backends.sent


@pytest.fixture(autouse=True)
def outbox_publishes() -> None:
    """A test that broke the broker leaves no pause on publishing to the next."""
    from messaging.outbox import BrokerPause

    BrokerPause.reset()


@pytest.fixture(autouse=True)
def default_language() -> None:
    """Each test starts in Chinese: a request to an /en/ page leaves English active in
    the thread (LocaleMiddleware does not undo it), and page.url would follow it."""
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def forced_log_ins_pass_mfa() -> Iterator[None]:
    """``client.force_login`` stands for a whole log-in, second factor included, so
    staff reach the admin (config.staff_auth); the MFA tests log in through the forms.
    For the whole session, so module-scoped worlds' log-ins count too."""
    from django.test import Client

    from tests.mfa import mark_mfa_verified

    force_login = Client.force_login

    def force_login_with_mfa(self, user, backend=None):
        force_login(self, user, backend)
        mark_mfa_verified(self, user)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", force_login_with_mfa)
        yield


@pytest.fixture(autouse=True)
def eager_celery(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tasks run inline, so a test sees their effects (mail.outbox, rows) at once, even
    with CELERY_BROKER_URL set; only ``worker`` tests use the real broker and worker."""
    from config.celery import app

    if not request.node.get_closest_marker("worker"):
        # The test's own monkeypatch: one undo stack, so a test that patches the same
        # setting again is undone in the right order.
        monkeypatch.setitem(app.conf, "task_always_eager", True)
    yield
    # Eager mode marks "inside a task" in one process-wide flag, set and restored around
    # each eager run (celery.result.denied_join_result): threads running eager tasks at
    # once (the race tests' e-mails) can leave it set, and a later result.get() refuses.
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def sequences_after_restored_rows(request: pytest.FixtureRequest) -> None:
    """On PostgreSQL, move id sequences past the rows a ``serialized_rollback`` restored.

    Django restores those rows with their ids but leaves the sequences alone, so once
    anything has reset them (``flush`` does) the next insert reuses id 1 and fails.
    Runs after pytest-django's own autouse fixtures, which set the database up.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction") and connection.vendor == "postgresql":
        models = apps.get_models(include_auto_created=True)
        with connection.cursor() as cursor:
            cursor.execute("\n".join(connection.ops.sequence_reset_sql(no_style(), models)))


@pytest.fixture
def require_postgres() -> None:
    if connection.vendor != "postgresql":
        needs_service("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture(scope="session")
def celery_worker(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None
) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``celery worker`` process on the configured broker, for the whole session.

    It gets this process's environment, with DATABASE_URL pointed at the test database,
    so tasks that read rows committed by a ``transaction=True`` test see them.
    """
    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        needs_service("needs a Celery broker: set CELERY_BROKER_URL=redis://...")
    env = dict(os.environ)
    if connection.vendor == "postgresql" and env.get("DATABASE_URL"):
        test_db = connection.settings_dict["NAME"]
        env["DATABASE_URL"] = urlsplit(env["DATABASE_URL"])._replace(path=f"/{test_db}").geturl()
    name = f"pytest-{os.getpid()}@{socket.gethostname()}"
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    command = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"),
        *("--without-gossip", "--without-mingle", "--concurrency=1", "-Q", "celery"),
        # --purge drops messages left on the broker by an earlier, interrupted run.
        *("--purge", "--loglevel=INFO", "-n", name),
    ]
    with log.open("wb") as out:
        worker = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log.read_text()}", pytrace=False)
        yield worker
    finally:
        worker.terminate()  # SIGTERM: warm shutdown, the current task finishes first
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
