"""Several runs of one day's reconciliation at the same moment (the beat task
and a person running the command): each is kept, exactly one is current
(PostgreSQL, where they really overlap)."""

import datetime
import threading

import pytest
from django.db import connection, connections

from shop.payments.models import GatewayStatement
from shop.payments.reconciliation import reconcile_day
from tests.shop.factories import ProductVariantFactory
from tests.township import at, sell

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RUNS = 6
DAY = datetime.date(2026, 10, 10)


@pytest.mark.parametrize("earlier_run", [False, True], ids=["first runs", "runs again"])
def test_runs_of_a_day_at_once_leave_one_current_statement(earlier_run):
    assert connection.vendor == "postgresql"
    sell([(ProductVariantFactory(stock=5), 1)], paid_at=at("2026-10-10"))
    if earlier_run:
        reconcile_day(gateway="dummy", day=DAY)
    start = threading.Barrier(RUNS)
    errors = []

    def run() -> None:
        try:
            start.wait()
            reconcile_day(gateway="dummy", day=DAY)
        except Exception as error:  # reported below, with the others
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    runs = GatewayStatement.objects.filter(gateway="dummy", day=DAY)
    assert runs.count() == RUNS + earlier_run
    current = runs.get(current=True)
    assert (current.status, current.lines_count) == (GatewayStatement.Status.MATCHED, 1)
