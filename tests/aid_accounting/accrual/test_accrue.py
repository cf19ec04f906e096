"""Accrual when an order is paid, inside the payment's transaction (DESIGN §7 flow 1)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aid_accounting.accrual import accrue
from aid_accounting.accrual.models import LineAccrual
from aid_accounting.ledger.chain import verify_chain
from aid_accounting.ledger.models import Entry, Transaction
from aid_accounting.ledger.posting import balance, clearing_account, pool_account, producer_account
from shop import events
from shop.orders.models import Order
from tests.shop.factories import ProductVariantFactory
from tests.township import sell

pytestmark = pytest.mark.django_db

PAID_AT = timezone.make_aware(datetime.datetime(2026, 10, 10, 9, 30))


def test_a_paid_line_accrues_its_aid_to_the_pool_and_the_rest_to_the_producer(tomato, tomato_rule):
    order = sell([(tomato, 2)], paid_at=PAID_AT)

    line = order.lines.get()
    accrued = LineAccrual.objects.get(line=line)
    # 25% of ¥79.60 is ¥19.90
    assert (accrued.aid_fen, accrued.producer_fen) == (1990, 5970)
    assert accrued.rule == tomato_rule
    assert accrued.accrued_at == PAID_AT
    assert sorted(accrued.transaction.entries.values_list("amount_fen", flat=True)) == [
        -5970,
        -1990,
        7960,
    ]


def test_every_accrual_entry_carries_its_order_line(tomato, tomato_rule):
    order = sell([(tomato, 1)], paid_at=PAID_AT)

    line = order.lines.get()
    entries = Entry.objects.filter(transaction__idempotency_key=f"accrual:order-line:{line.pk}")
    assert entries.count() == 3
    assert set(entries.values_list("order_line", flat=True)) == {line.pk}


def test_an_order_debits_clearing_with_exactly_what_the_buyer_paid(tomato, bag, tomato_rule):
    order = sell([(tomato, 1), (bag, 3)], paid_at=PAID_AT)

    assert order.shipping_fen == 2000  # two producers, ¥10 each
    assert balance(clearing_account()) == order.total_fen


def test_shipping_goes_to_the_producer_payable(tomato, tomato_rule):
    order = sell([(tomato, 1)], paid_at=PAID_AT)

    producer = producer_account(tomato.product.producer)
    assert balance(producer) == 2985 + order.shipping_fen


def test_a_line_without_a_rule_accrues_no_aid_but_is_recorded(bag, tomato_rule):
    order = sell([(bag, 2)], paid_at=PAID_AT)

    accrued = LineAccrual.objects.get(line__order=order)
    assert (accrued.rule, accrued.pool, accrued.aid_fen, accrued.producer_fen) == (
        None,
        None,
        0,
        1980,
    )
    assert accrued.transaction.entries.count() == 2


def test_offline_sales_accrue_like_online_ones(tomato, tomato_rule):
    order = sell([(tomato, 2)], paid_at=PAID_AT, offline=True)

    assert order.channel == Order.Channel.OFFLINE
    assert LineAccrual.objects.get(line__order=order).aid_fen == 1990
    assert balance(pool_account(tomato_rule.pool)) == 1990


def test_replaying_the_paid_event_posts_nothing_twice(tomato, tomato_rule):
    order = sell([(tomato, 2)], paid_at=PAID_AT)
    before = Transaction.objects.count()

    events.order_paid.send(sender=Order, order=order)

    assert Transaction.objects.count() == before
    assert LineAccrual.objects.filter(line__order=order).count() == 1
    assert balance(pool_account(tomato_rule.pool)) == 1990


def test_a_failing_receiver_rolls_the_payment_back(tomato, tomato_rule, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(accrue, "_line_posting", broken)

    with pytest.raises(RuntimeError, match="ledger unavailable"):
        sell([(tomato, 1)], paid_at=PAID_AT)

    order = Order.objects.get()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.paid_at is None
    assert not order.payments.filter(status="succeeded").exists()
    assert not Transaction.objects.exists()


def test_accruing_an_order_takes_as_many_queries_for_six_lines_as_for_two(
    tomato, bag, tomato_rule, monkeypatch
):
    """Rules, accounts, postings and accruals are read and written per order, not per line."""
    more_tomatoes = [
        ProductVariantFactory(product=tomato.product, name=f"{n}个装", price_fen=990 * n, stock=99)
        for n in range(2, 6)
    ]
    sell([(tomato, 1), (bag, 1)], paid_at=PAID_AT)  # the accounts exist from now on
    monkeypatch.setattr(accrue, "accrue_order", lambda **kwargs: [])
    two_lines = sell([(tomato, 1), (bag, 1)], paid_at=PAID_AT)
    six_lines = sell([(tomato, 1), (bag, 1), *((v, 1) for v in more_tomatoes)], paid_at=PAID_AT)
    monkeypatch.undo()

    def queries_to_accrue(order: Order) -> int:
        with CaptureQueriesContext(connection) as captured:
            accrue.accrue_order(order=order)
        return len(captured)

    assert queries_to_accrue(six_lines) == queries_to_accrue(two_lines)
    assert LineAccrual.objects.filter(line__order=six_lines).count() == 6


def test_a_payment_posts_its_accrual_under_the_chain_head_it_booked_with(
    tomato, bag, tomato_rule, monkeypatch
):
    """Eleven statements, the head locked once and no savepoint: each is a round
    trip inside the payment's transaction."""
    sell([(tomato, 1), (bag, 1)], paid_at=PAID_AT)  # the accounts exist from now on
    monkeypatch.setattr(accrue, "accrue_order", lambda **kwargs: [])
    order = sell([(tomato, 1), (bag, 1)], paid_at=PAID_AT)
    monkeypatch.undo()

    with CaptureQueriesContext(connection) as captured:
        accrue.accrue_order(order=order)

    statements = [query["sql"] for query in captured]
    assert len(statements) == 11
    assert [sql.startswith("SELECT") for sql in statements if "chainhead" in sql] == [True, False]
    assert not any("SAVEPOINT" in sql for sql in statements)
    assert verify_chain() == []
