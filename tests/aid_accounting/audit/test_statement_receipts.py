"""The aid ledger against the gateways' reconciled statements: for each day,
what clearing received for the orders the statement's payments paid."""

import datetime

import pytest

from aid_accounting.audit.reconcile import Check, reconcile
from shop.payments.models import Payment
from shop.payments.reconciliation import reconcile_day
from shop.payments.services import payment_succeeded
from tests.township import at, refund, sell

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 10, 10)
NAME = "对账单收款与待清算一致"


def statement_check() -> Check:
    (check,) = [check for check in reconcile().checks if check.name == NAME]
    return check


@pytest.fixture
def day_of_sales(clock, tomato, bag, tomato_rule, staff):
    """10 October: two orders by the dummy gateway (one paid twice), an offline
    sale, a refund; the dummy statement reconciled."""
    clock.now = at("2026-10-10", 18)  # the evening: no sale is recorded before it was made
    first = sell([(tomato, 2), (bag, 1)], paid_at=at("2026-10-10", 9))
    second = sell([(bag, 1)], paid_at=at("2026-10-10", 11))
    twice = Payment.objects.create(
        order=second,
        gateway="dummy",
        method="card",
        amount_fen=second.total_fen,
        idempotency_key="paid-twice",
    )
    payment_succeeded(payment_id=twice.pk, amount_fen=second.total_fen, paid_at=at("2026-10-10"))
    sell([(tomato, 1)], paid_at=at("2026-10-10", 12), offline=True)
    refund(first, staff=staff, line=first.lines.get(variant=tomato), quantity=1)
    return first


def test_the_ledger_received_what_the_statements_payments_paid(day_of_sales):
    statement = reconcile_day(gateway="dummy", day=DAY)

    assert statement.lines_count == 4  # three charges, one of them surplus, and a refund
    assert statement_check().ok


def test_a_payment_the_ledger_did_not_receive_is_named_with_its_day(day_of_sales):
    # The shop's record and the statement agree with each other, not with the ledger.
    Payment.objects.filter(order=day_of_sales).update(amount_fen=day_of_sales.total_fen - 100)
    reconcile_day(gateway="dummy", day=DAY)

    check = statement_check()

    assert not check.ok
    (failure,) = check.failures
    assert failure.startswith("dummy 2026-10-10：")
    assert f"订单 {day_of_sales.number}" in failure
