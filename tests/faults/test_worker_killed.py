"""A Celery worker killed (kill -9) in the middle of a period close: the close is
redelivered to another worker and the month ends closed exactly once.

The close is caught in its middle for real: the test holds a row lock on the second
pool's lines (as a refund being written would), so the worker's close has distributed
the first pool and waits. The test sees it in PostgreSQL, kills the worker, lets go of
the lock, and starts a new worker, which gets the task back from Redis after the
visibility timeout (CELERY_VISIBILITY_TIMEOUT, made short here).
"""

import datetime
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from aid_accounting import calendar, tasks
from aid_accounting.ledger.models import Transaction
from aid_accounting.periods.models import AccountingPeriod, PoolDistribution
from aid_accounting.rules.models import AidPool
from aid_accounting.rules.versions import set_rule
from config.celery import app
from core.roles import SYSTEM
from tests.faults.conftest import database_url
from tests.township import deliver, sell

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.worker,
    # The worker reads what the test wrote: the rows must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

QUEUE = "faults-period-close"  # the session's worker (tests/conftest.py) takes only "celery"


def start_worker(name: str, log: Path, *, purge: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
        "CELERY_VISIBILITY_TIMEOUT": "1",
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"),
        *("--without-gossip", "--without-mingle", "-Q", QUEUE, "--loglevel=INFO", "-n", name),
        *(["--purge"] if purge else []),
    ]
    with log.open("ab") as out:
        worker = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[name], timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()}", pytrace=False)
    return worker


def wait_for(what: str, check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}", pytrace=False)
        time.sleep(0.1)
    return found


def close_waiting_on_a_lock() -> int | None:
    """The backend of a close that has distributed a pool (it holds a write lock on
    PoolDistribution) and now waits for the lines of the next pool."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.pid FROM pg_stat_activity a
            WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
              AND a.wait_event_type = 'Lock' AND a.query LIKE %s
              AND EXISTS (
                SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                WHERE l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock'
                  AND c.relname = 'aid_accounting_pooldistribution')
            """,
            ["%aid_accounting_lineaccrual%"],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def backend_gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0


@pytest.fixture
def two_pools_due(tomato, bag, aid_pool, beneficiaries) -> calendar.Month:
    """Last month's sales, delivered and past their return windows, feeding two pools."""
    second = AidPool.objects.create(name="第二资金池")
    second.households.add(*beneficiaries[:2])
    for variant, pool in ((tomato, aid_pool), (bag, second)):
        set_rule(
            actor=SYSTEM,
            producer=variant.product.producer,
            pool=pool,
            share_bp=2500,
            valid_from=datetime.date(2020, 1, 1),
        )
    month = calendar.month_of(timezone.now()).previous()
    for variant in (tomato, bag):
        order = sell([(variant, 2)], paid_at=month.starts_at + datetime.timedelta(days=1))
        deliver(order, at=month.starts_at + datetime.timedelta(days=2))
    return month


def test_a_close_cut_off_by_a_killed_worker_is_redelivered_and_closes_once(two_pools_due, tmp_path):
    month = two_pools_due
    second_pool = AidPool.objects.get(name="第二资金池")
    log = tmp_path / "workers.log"
    worker = start_worker(f"faults-first-{os.getpid()}@{socket.gethostname()}", log, purge=True)
    workers = [worker]
    try:
        with psycopg.connect(database_url(connection.settings_dict["NAME"])) as locker:
            locker.execute(
                "SELECT id FROM aid_accounting_lineaccrual WHERE pool_id = %s FOR UPDATE",
                [second_pool.pk],
            )
            result = tasks.close_previous_period.apply_async(queue=QUEUE)
            backend = wait_for("the close to reach the second pool", close_waiting_on_a_lock)

            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
            locker.rollback()
        # PostgreSQL rolls back the dead worker's transaction when it finds the client gone.
        wait_for("the killed worker's connection to end", lambda: backend_gone(backend))
        assert not PoolDistribution.objects.exists()
        assert not AccountingPeriod.objects.filter(status=AccountingPeriod.Status.CLOSED).exists()

        workers.append(
            start_worker(f"faults-second-{os.getpid()}@{socket.gethostname()}", log, purge=False)
        )

        assert result.get(timeout=60) == [month.code]
    finally:
        for process in workers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=20)

    period = AccountingPeriod.objects.get(code=month.code)
    assert period.status == AccountingPeriod.Status.CLOSED
    assert sorted(PoolDistribution.objects.values_list("pool_id", flat=True)) == sorted(
        AidPool.objects.values_list("pk", flat=True)
    )
    assert Transaction.objects.filter(kind=Transaction.Kind.DISTRIBUTION).count() == 2
    call_command("aid_reconcile")  # raises CommandError on any failed check
    assert tasks.close_previous_period.apply().get() == []  # nothing left to close
