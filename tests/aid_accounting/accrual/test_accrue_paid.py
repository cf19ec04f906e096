"""Accruing paid orders in batches: ``accrue_orders`` and ``aid_accrue_paid``,
for orders recorded outside the shop's payment (DESIGN §7 flow 1)."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aid_accounting.accrual import accrue
from aid_accounting.accrual.models import LineAccrual
from aid_accounting.audit.reconcile import reconcile
from aid_accounting.ledger.models import Transaction
from aid_accounting.ledger.posting import balance, clearing_account, pool_account
from aid_accounting.rules.versions import set_rule
from core.roles import SYSTEM
from shop.orders.checkout import place_order
from shop.orders.models import Order
from tests.shop.factories import OrderLineFactory
from tests.township import ADDRESS, sell

pytestmark = pytest.mark.django_db


def paid_at(month: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, 10, 9, 30))


@pytest.fixture
def unaccrued(monkeypatch):
    """Sell as the shop does, but with accrual off, as if the orders had been
    paid somewhere else and brought in."""

    def sell_unaccrued(*args, **kwargs) -> Order:
        with monkeypatch.context() as patched:
            patched.setattr(accrue, "accrue_order", lambda **kw: [])
            return sell(*args, **kwargs)

    return sell_unaccrued


def test_a_batch_accrues_each_order_under_the_rule_valid_on_its_own_payment_day(
    tomato, tomato_rule, unaccrued
):
    set_rule(
        actor=SYSTEM,
        producer=tomato.product.producer,
        pool=tomato_rule.pool,
        share_bp=1000,
        valid_from=datetime.date(2026, 6, 1),
    )
    march = unaccrued([(tomato, 2)], paid_at=paid_at(3))
    july = unaccrued([(tomato, 2)], paid_at=paid_at(7))

    accrue.accrue_orders(orders=[march, july])

    # ¥79.60: 25% before June, 10% from June on.
    assert LineAccrual.objects.get(line__order=march).aid_fen == 1990
    assert LineAccrual.objects.get(line__order=july).aid_fen == 796
    assert balance(pool_account(tomato_rule.pool)) == 1990 + 796


def test_a_batch_takes_as_many_queries_for_five_orders_as_for_one(
    tomato, bag, tomato_rule, unaccrued
):
    sell([(tomato, 1), (bag, 1)], paid_at=paid_at(3))  # the accounts exist from now on
    one = [unaccrued([(tomato, 1)], paid_at=paid_at(3))]
    five = [unaccrued([(tomato, 1), (bag, n)], paid_at=paid_at(n + 2)) for n in range(1, 6)]

    def queries_to_accrue(orders: list[Order]) -> int:
        with CaptureQueriesContext(connection) as captured:
            accrue.accrue_orders(orders=orders)
        return len(captured)

    assert queries_to_accrue(five) == queries_to_accrue(one)
    assert LineAccrual.objects.filter(line__order__in=five).count() == 10


def test_a_batch_with_an_unpaid_order_accrues_nothing(tomato, tomato_rule, unaccrued):
    paid = unaccrued([(tomato, 1)], paid_at=paid_at(3))
    unpaid = place_order(
        items=[(tomato.pk, 1)], email="buyer@example.com", address=ADDRESS, gateway="dummy"
    )

    with pytest.raises(ValueError, match=unpaid.number):
        accrue.accrue_orders(orders=[paid, unpaid])

    assert not LineAccrual.objects.exists()


def test_the_command_accrues_what_reconcile_found_missing_and_reconcile_passes(
    tomato, bag, tomato_rule, unaccrued
):
    accrued = sell([(tomato, 1)], paid_at=paid_at(3))
    missing = [unaccrued([(tomato, n), (bag, 1)], paid_at=paid_at(n + 3)) for n in range(1, 6)]
    assert not reconcile().ok
    out = StringIO()

    call_command("aid_accrue_paid", "--batch", "2", stdout=out)

    assert "Accrued 10 line(s) of 5 order(s)." in out.getvalue()
    assert LineAccrual.objects.filter(line__order__in=missing).count() == 10
    assert LineAccrual.objects.filter(line__order=accrued).count() == 1
    assert balance(clearing_account()) == sum(o.total_fen for o in [accrued, *missing])
    assert reconcile().ok, reconcile().checks


def test_running_the_command_again_changes_nothing(tomato, tomato_rule, unaccrued):
    unaccrued([(tomato, 1)], paid_at=paid_at(3))
    call_command("aid_accrue_paid", stdout=StringIO())
    before = Transaction.objects.count()
    out = StringIO()

    call_command("aid_accrue_paid", stdout=out)

    assert Transaction.objects.count() == before
    assert "Accrued 0 line(s) of 0 order(s)." in out.getvalue()


@pytest.mark.parametrize("batch", ["0", "-3"])
def test_the_command_refuses_a_batch_of_no_orders(batch):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("aid_accrue_paid", "--batch", batch, stdout=StringIO())


def test_the_command_refuses_a_batch_that_is_not_a_number():
    with pytest.raises(CommandError, match="invalid int value"):
        call_command("aid_accrue_paid", "--batch", "many", stdout=StringIO())


def test_batches_of_one_accrue_every_paid_order_from_the_first(tomato, tomato_rule, unaccrued):
    first = unaccrued([(tomato, 1)], paid_at=paid_at(3))
    second = unaccrued([(tomato, 2)], paid_at=paid_at(4))

    assert accrue.accrue_paid_orders(batch_size=1) == (2, 2)
    assert LineAccrual.objects.filter(line__order__in=[first, second]).count() == 2


def test_an_unpaid_order_is_left_for_its_payment(tomato, tomato_rule, unaccrued):
    paid = unaccrued([(tomato, 1)], paid_at=paid_at(3))
    unpaid = place_order(
        items=[(tomato.pk, 1)], email="buyer@example.com", address=ADDRESS, gateway="dummy"
    )

    assert accrue.accrue_paid_orders() == (1, 1)
    assert LineAccrual.objects.filter(line__order=paid).count() == 1
    assert not LineAccrual.objects.filter(line__order=unpaid).exists()


def test_only_the_lines_still_missing_an_accrual_are_counted(tomato, bag, tomato_rule):
    """A line restored on its own into an order accrued already."""
    order = sell([(tomato, 1)], paid_at=paid_at(3))
    OrderLineFactory(variant=tomato, order=order, shipment=order.lines.get().shipment)

    assert accrue.accrue_paid_orders() == (1, 1)
    assert LineAccrual.objects.filter(line__order=order).count() == 2


@pytest.mark.parametrize("batch_size", [0, -3])
def test_a_batch_of_no_orders_is_refused(batch_size):
    with pytest.raises(ValueError, match=rf"^batch size {batch_size}: it must be at least 1$"):
        accrue.accrue_paid_orders(batch_size=batch_size)


def test_the_refusal_names_every_unpaid_order(tomato, tomato_rule):
    unpaid = [
        place_order(
            items=[(tomato.pk, 1)], email="buyer@example.com", address=ADDRESS, gateway="dummy"
        )
        for _ in range(2)
    ]

    with pytest.raises(
        ValueError, match=rf"^order {unpaid[0].number}, {unpaid[1].number} is not paid; nothing"
    ):
        accrue.accrue_orders(orders=unpaid)


def test_accruing_returns_each_lines_accrual_new_or_old(tomato, bag, tomato_rule, unaccrued):
    accrued = sell([(tomato, 1)], paid_at=paid_at(3))
    missing = unaccrued([(tomato, 2), (bag, 1)], paid_at=paid_at(4))

    result = accrue.accrue_orders(orders=[accrued, missing])

    assert {pk: [a.aid_fen for a in accruals] for pk, accruals in result.items()} == {
        accrued.pk: [995],
        missing.pk: [1990, 0],
    }
    assert result[accrued.pk] == list(LineAccrual.objects.filter(line__order=accrued))
    assert all(accrual.pk for accrual in result[missing.pk])
