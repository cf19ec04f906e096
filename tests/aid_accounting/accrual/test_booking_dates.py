"""Payments and refunds dated in a month already closed are booked in the
first open month, keeping their real date; none is dated in the future
(aid_accounting.accrual.booking)."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from aid_accounting.accrual import booking
from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.calendar import Month
from aid_accounting.ledger.models import Entry, Transaction
from aid_accounting.periods.close import close_period
from aid_accounting.periods.models import AccountingPeriod
from aid_accounting.transparency.open_data import monthly_aggregates
from core.roles import SYSTEM
from shop.orders.models import Order
from shop.payments.gateway import PaymentError
from shop.payments.services import record_offline_payment
from tests.township import at, deliver, place, refund, sell

pytestmark = pytest.mark.django_db

OCTOBER, NOVEMBER = Month(2026, 10), Month(2026, 11)


def booked_in(month: Month) -> list[tuple]:
    """What every monthly figure reads (close, dashboard, statements): the
    ledger entries booked in ``month``."""
    return sorted(
        Entry.objects.filter(month.contains("transaction__created_at")).values_list(
            "transaction__idempotency_key", "account_id", "amount_fen"
        )
    )


def open_data(month: Month) -> list[dict]:
    return [row for row in monthly_aggregates() if row["month"] == month.code]


@pytest.fixture
def october_closed(tomato, tomato_rule, beneficiaries):
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02"))


@pytest.mark.parametrize("offline", [True, False], ids=["bank transfer", "gateway"])
def test_a_payment_dated_in_a_closed_month_is_booked_in_the_first_open_one(
    october_closed, tomato, offline
):
    october, october_open_data = booked_in(OCTOBER), open_data(OCTOBER)

    # Received at 23:00 on 31 October, recorded after October was closed.
    order = sell([(tomato, 1)], paid_at=at("2026-10-31", 23), offline=offline)

    accrual = LineAccrual.objects.get(line__order=order)
    assert order.paid_at == accrual.accrued_at == at("2026-10-31", 23)
    assert order.payments.get().paid_at == at("2026-10-31", 23)
    assert accrual.booked_at == NOVEMBER.starts_at
    postings = Transaction.objects.filter(source=f"order:{order.number}")
    assert {posting.created_at for posting in postings} == {NOVEMBER.starts_at}
    assert "付款于 2026-10-31 23:00，该月已结算，记入 2026-11" in accrual.transaction.memo
    # October's figures, and so its published notices' basis, did not move.
    assert booked_in(OCTOBER) == october
    assert open_data(OCTOBER) == october_open_data
    # November's close distributes it.
    deliver(order, at=at("2026-11-05"))
    november = close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))
    assert [d.lines_fen for d in november.distributions] == [995]


def test_a_payment_in_an_open_month_is_booked_when_it_was_received(tomato, tomato_rule):
    order = sell([(tomato, 1)], paid_at=at("2026-10-31", 23), offline=True)

    accrual = LineAccrual.objects.get(line__order=order)
    assert accrual.booked_at == accrual.accrued_at == at("2026-10-31", 23)
    assert "已结算" not in accrual.transaction.memo


def test_a_receipt_dated_in_the_future_is_refused_and_nothing_is_written(
    tomato, tomato_rule, staff
):
    order = place([(tomato, 1)], gateway="offline", channel=Order.Channel.OFFLINE)

    with pytest.raises(PaymentError, match="到账时间不能晚于现在"):
        record_offline_payment(
            order_id=order.pk,
            amount_fen=order.total_fen,
            method="bank_transfer",
            reference="",
            actor=staff,
            received_at=timezone.now() + datetime.timedelta(hours=1),
        )

    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert not order.payments.exists()
    assert not LineAccrual.objects.exists()
    assert not Transaction.objects.exists()


def test_a_gateway_clock_ahead_of_ours_is_recorded_as_now(clock, tomato, tomato_rule):
    clock.set("2026-11-10")

    order = sell([(tomato, 1)], paid_at=at("2026-11-10", 11))

    assert order.paid_at == order.payments.get().paid_at == at("2026-11-10")
    assert LineAccrual.objects.get().booked_at == at("2026-11-10")


def close_october_early() -> None:
    """October closed on the 20th, before it ended, as a close "at" a future time once could."""
    AccountingPeriod.objects.create(
        code="2026-10",
        start=OCTOBER.start,
        end=OCTOBER.end,
        status=AccountingPeriod.Status.CLOSED,
        closed_at=at("2026-10-20"),
    )


def test_a_refund_made_while_its_month_stood_closed_is_booked_in_the_next(
    clock, tomato, tomato_rule, staff
):
    order = sell([(tomato, 2)], paid_at=clock.set("2026-10-10"))
    close_october_early()
    october = booked_in(OCTOBER)

    clock.set("2026-10-25")
    refund(order, staff=staff, line=order.lines.get(), quantity=1)

    reversal = AidReversal.objects.get()
    assert reversal.created_at == at("2026-10-25")
    assert reversal.booked_at == reversal.transaction.created_at == NOVEMBER.starts_at
    assert "退款于 2026-10-25 10:00，该月已结算，记入 2026-11" in reversal.transaction.memo
    assert booked_in(OCTOBER) == october


def test_a_whole_order_refund_in_a_closed_month_books_its_shipping_in_the_next_too(
    clock, tomato, tomato_rule, staff
):
    order = sell([(tomato, 2)], paid_at=clock.set("2026-10-10"))
    close_october_early()

    clock.set("2026-10-25")
    refund(order, staff=staff)

    shipping = Transaction.objects.get(idempotency_key=f"reversal:order:{order.pk}:shipping")
    assert shipping.created_at == NOVEMBER.starts_at


def test_a_refund_after_the_close_leaves_the_closed_months_open_data_alone(
    clock, tomato, tomato_rule, beneficiaries, staff
):
    order = sell([(tomato, 2)], paid_at=clock.set("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    close_period(actor=SYSTEM, period="2026-10", now=clock.set("2026-11-02"))
    october = open_data(OCTOBER)

    clock.set("2026-11-05")
    refund(order, staff=staff, line=order.lines.get(), quantity=1)

    assert open_data(OCTOBER) == october
    producer = next(row for row in open_data(NOVEMBER) if row["dimension"] == "producer")
    assert (producer["sales_fen"], producer["aid_accrued_fen"]) == (-3980, -995)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_close_waits_for_a_payment_deciding_its_booking_month(tomato, tomato_rule):
    # A payment that has decided to book in October holds the ledger's chain
    # head to its commit, so October's close cannot run in between and miss it.
    # Nothing is delivered, so the close posts no distribution; it waits
    # because it takes the head too (at its start, and for its seal).
    sell([(tomato, 1)], paid_at=at("2026-10-10"))
    decided, release = threading.Event(), threading.Event()
    closed_while_holding = []

    def payment() -> None:
        try:
            with transaction.atomic():
                booking.first_open_moment()
                decided.set()
                release.wait(10)
        finally:
            connection.close()

    def closer() -> None:
        try:
            decided.wait(10)
            close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02"))
            closed_while_holding.append(not release.is_set())
        finally:
            connection.close()

    threads = [threading.Thread(target=payment), threading.Thread(target=closer)]
    for thread in threads:
        thread.start()
    decided.wait(10)
    time.sleep(1)  # long enough for an unblocked close to finish
    release.set()
    for thread in threads:
        thread.join(30)

    assert closed_while_holding == [False]
    assert AccountingPeriod.objects.get(code="2026-10").status == AccountingPeriod.Status.CLOSED
