"""Refunds reverse the accrual in proportion, exactly on the last one (DESIGN §7 flow 2)."""

import datetime

import pytest
from django.utils import timezone

from aid_accounting.accrual import accrue
from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.ledger.posting import balance, clearing_account, pool_account, producer_account
from aid_accounting.rules.versions import set_rule
from core.roles import SYSTEM
from shop import events
from shop.orders.models import OrderLine
from shop.payments.refunds import request_refund
from tests.shop.factories import RefundFactory
from tests.township import refund, sell

pytestmark = pytest.mark.django_db

PAID_AT = timezone.make_aware(datetime.datetime(2026, 10, 10, 9, 30))


def test_a_partial_refund_reverses_its_proportion_of_the_aid(tomato, tomato_rule, staff):
    order = sell([(tomato, 3)], paid_at=PAID_AT)
    line = order.lines.get()

    refund(order, staff=staff, line=line, quantity=1)

    accrued = LineAccrual.objects.get(line=line)
    # aid 2985 on 11940; a third refunded reverses round(995.0) = 995
    assert accrued.aid_fen == 2985
    assert accrued.reversed_fen == 995
    assert balance(pool_account(tomato_rule.pool)) == 1990


def test_the_last_refund_reverses_exactly_what_is_left(tomato, aid_pool, staff):
    # 33.33% of ¥119.40 is 3980 fen, which thirds do not divide: the reversed
    # total after each refund is rounded (1327, 2653), the last takes the rest.
    set_rule(
        actor=SYSTEM,
        producer=tomato.product.producer,
        pool=aid_pool,
        share_bp=3333,
        valid_from=datetime.date(2026, 1, 1),
    )
    order = sell([(tomato, 3)], paid_at=PAID_AT)
    line = order.lines.get()
    accrued = LineAccrual.objects.get(line=line)

    for _ in range(3):
        refund(order, staff=staff, line=line, quantity=1)

    accrued.refresh_from_db()
    reversals = list(AidReversal.objects.filter(accrual=accrued).order_by("pk"))
    assert [r.aid_fen for r in reversals] == [1327, 1326, 1327]
    assert sum(r.aid_fen for r in reversals) == accrued.aid_fen == 3980
    assert accrued.reversed_fen == accrued.aid_fen
    assert balance(pool_account(aid_pool)) == 0


def test_a_whole_order_refund_gives_clearing_back_everything_including_shipping(
    tomato, bag, tomato_rule, staff
):
    order = sell([(tomato, 1), (bag, 2)], paid_at=PAID_AT)

    refund(order, staff=staff)

    assert balance(clearing_account()) == 0
    assert balance(pool_account(tomato_rule.pool)) == 0
    assert balance(producer_account(tomato.product.producer)) == 0
    assert balance(producer_account(bag.product.producer)) == 0


def test_a_replayed_refund_event_reverses_nothing_twice(tomato, tomato_rule, staff):
    order = sell([(tomato, 3)], paid_at=PAID_AT)
    line = order.lines.get()
    done = refund(order, staff=staff, line=line, quantity=1)

    events.line_refunded.send(
        sender=OrderLine, refund=done, line=line, quantity=1, amount_fen=done.amount_fen
    )

    assert AidReversal.objects.count() == 1
    assert balance(pool_account(tomato_rule.pool)) == 1990


@pytest.fixture
def pending_refund(tomato, tomato_rule, staff):
    """A paid line of ¥79.60 and a refund of it requested, not yet made."""
    order = sell([(tomato, 2)], paid_at=PAID_AT)
    line = order.lines.get()
    return line, request_refund(
        order_id=order.pk, actor=staff, reason="质量问题", line_id=line.pk, quantity=1
    )


@pytest.mark.parametrize("amount_fen", [0, -1, 7961])
def test_a_reversal_of_nothing_or_of_more_than_is_left_is_refused(pending_refund, amount_fen):
    line, pending = pending_refund

    with pytest.raises(
        ValueError,
        match=rf"^refund {pending.pk} of {amount_fen} fen: "
        rf"line {line.pk} has 7960 fen left to refund$",
    ):
        accrue.reverse_refund(refund=pending, line=line, amount_fen=amount_fen)

    assert not AidReversal.objects.exists()


def test_a_reversal_of_one_fen_is_made_and_counted_in_what_is_left(pending_refund):
    line, pending = pending_refund

    reversal = accrue.reverse_refund(refund=pending, line=line, amount_fen=1)

    assert (reversal.refunded_fen, reversal.aid_fen) == (1, 0)
    other = RefundFactory(payment=pending.payment, line=line, amount_fen=7960)
    with pytest.raises(ValueError, match=r"has 7959 fen left to refund$"):
        accrue.reverse_refund(refund=other, line=line, amount_fen=7960)
